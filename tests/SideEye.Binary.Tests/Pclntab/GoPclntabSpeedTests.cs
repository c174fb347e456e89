using System.Diagnostics;
using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Binary.Tests.Pclntab;

/// <summary>
/// A quick, BenchmarkDotNet-free measurement on each toolchain's cmd/go. It prints figures (run with
/// --logger "console;verbosity=detailed") and asserts only the answers, never times.
/// </summary>
public class GoPclntabSpeedTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void CmdGo_IndexAndLookupFigures(string release)
    {
        var binary = GoFixture.BuildCmdGo(GoToolchains.Get(release));
        var image = ElfImage.Open(binary);
        GoPclntab.Load(image); // cold: JIT and page cache
        var watch = Stopwatch.StartNew();
        const int loads = 5;
        GoPclntab table = null!;
        for (var i = 0; i < loads; i++) table = GoPclntab.Load(image)!;
        var indexMs = watch.Elapsed.TotalMilliseconds / loads;

        var pcs = PclntabTargets.RandomPcs(table, 10_000, seed: 3).Take(10_000).ToArray();
        var unknown = 0;
        foreach (var pc in pcs) if (table.Lookup(pc).Function == "?") unknown++; // warm-up
        const int rounds = 5;
        watch.Restart();
        for (var r = 0; r < rounds; r++)
            foreach (var pc in pcs) table.Lookup(pc);
        var lookupNs = watch.Elapsed.TotalNanoseconds / (rounds * pcs.Length);
        watch.Restart();
        var frames = 0;
        foreach (var pc in pcs) frames += table.LookupInlined(pc).Count;
        var inlinedNs = watch.Elapsed.TotalNanoseconds / pcs.Length;

        output.WriteLine($"go{release} cmd/go: {table.Functions.Count} functions, {new FileInfo(binary).Length / 1e6:F1} MB; " +
                         $"Load {indexMs:F1} ms (warm, mean of {loads}); Lookup {lookupNs:F0} ns/PC, LookupInlined {inlinedNs:F0} ns/PC " +
                         $"({frames / (double)pcs.Length:F2} frames/PC) over {pcs.Length} random PCs");
        Assert.Equal(0, unknown);
        Assert.True(frames >= pcs.Length);
    }
}
