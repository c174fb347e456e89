using SideEye.Binary.DebugInfo;
using SideEye.GoRuntime;
using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>
/// Programs nobody here wrote or built: Debian's etcd and caddy (stripped, cgo, dynamically linked, no debug info
/// anywhere), run as servers on loopback, plainly and in PID and mount namespaces of their own (as pid 1). A snapshot is taken between two of the server's own pprof goroutine dumps;
/// every goroutine that holds still across both (same status and frames) is in the snapshot with that status and wait
/// reason, creator and the same frames.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class DistributionProgramTests
{
    [Theory]
    [MemberData(nameof(DistributionServer.Names), MemberType = typeof(DistributionServer))]
    public void A_snapshot_of_a_distribution_server_equals_its_own_dump_of_the_goroutines_that_hold_still(string name, bool inNamespaces)
    {
        Requires.Root();
        using var server = DistributionServer.Start(name, inNamespaces);
        var bin = GoBinary.Open(server.Executable, DebugInfoSources.None);
        Assert.Null(bin.Dwarf);
        Assert.Empty(bin.Image.Symbols);
        Assert.False(bin.Runtime.Origin.FromDwarf);
        Assert.Equal("1", bin.BuildInfo!.Settings["CGO_ENABLED"]);

        var before = GoroutineDump.Parse(server.PprofDump());
        using var snapshotter = new LocalSnapshotter { MaxFrames = 1024, DebugInfo = DebugInfoSources.None };
        var process = snapshotter.Take([server.Pid]).Processes.Single();
        var after = GoroutineDump.Parse(server.PprofDump()).ToDictionary(g => g.Goid);
        Assert.True(process.Error is null, process.Error);
        Assert.Equal(inNamespaces ? 1 : null, process.NamespacePid);
        var ours = process.Goroutines.ToDictionary(g => g.Goid);

        static string Stack(DumpGoroutine g) => g.Status + "|" + string.Join(";", g.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}"));
        var still = before.Where(g => g.Status != "running" && after.TryGetValue(g.Goid, out var later) && Stack(later) == Stack(g)).ToList();
        foreach (var dumped in still)
        {
            var context = $"{server} goroutine {dumped.Goid}";
            Assert.True(ours.TryGetValue(dumped.Goid, out var g), $"{context} of the dump is not in the snapshot");
            Assert.Equal((context, dumped.Status), (context, g!.WaitReason ?? g.Status));
            Assert.Equal((context, dumped.CreatedByFunc), (context, g.CreatedByFunc));
            var shown = g.Frames.Where(f => f.Shown).Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
            var expected = dumped.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
            if (dumped.Elided) Assert.Equal(expected, shown[..expected.Length]); // go1.19 prints at most 100 frames
            else Assert.Equal(expected, shown);
        }
        // An idle etcd has about 40 goroutines and caddy about 15, nearly all holding still.
        Assert.True(still.Count >= (name == "etcd" ? 25 : 8), $"{server}: only {still.Count} goroutines held still");
        Assert.True(process.Goroutines.Count >= still.Count);
    }
}
