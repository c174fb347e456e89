using SideEye.Binary.Elf;
using SideEye.GoRuntime.Memory;
using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// A position-independent build (-buildmode=pie), loaded at an address ASLR chose: the probe must use the
/// process's addresses and the decoder the binary's. The same parked goroutines, frames and labels as always.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class PieSnapshotTests : KernelObjectLeakCheck
{
    [Theory]
    [InlineData("1.19")]
    [InlineData("1.22")]
    [InlineData("1.26")]
    public void APieProcessIsSnapshotLikeAnyOther(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain, flags: GoBuildFlags.Pie);
        var image = ElfImage.Open($"/proc/{parked.Pid}/exe");
        Assert.True(image.IsPositionIndependent);
        var bias = LoadBias.Of(parked.Pid, image);
        Assert.NotEqual(0UL, bias); // ASLR moved it: the test would prove nothing otherwise

        using var snapshotter = new LocalSnapshotter { MaxFrames = 1024 };
        var process = snapshotter.Take([parked.Pid]).Processes.Single();
        Assert.Null(process.Error);
        Assert.False(process.Truncated);
        var goroutines = process.Goroutines.ToDictionary(g => g.Goid);
        foreach (var park in parked.Parks)
        {
            Assert.True(goroutines.TryGetValue(park.Goid, out var g), $"go{release} PIE: {park.Kind} goroutine {park.Goid} missing");
            if (park.Kind == "spin") continue; // running or runnable: its frames are checked elsewhere
            Assert.Contains(g!.Frames, f => f.Func == park.Func);
            Assert.Equal("main.main", g.CreatedByFunc);
        }
        Assert.Equal(ParkedProgram.Labels.OrderBy(kv => kv.Key), goroutines[parked.Single("labels").Goid].Labels!.OrderBy(kv => kv.Key));
    }
}
