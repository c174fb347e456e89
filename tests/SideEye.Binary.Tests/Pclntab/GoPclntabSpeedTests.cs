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
        var loadMs = new double[loads];
        for (var i = 0; i < loads; i++)
        {
            watch.Restart();
            table = GoPclntab.Load(image)!;
            loadMs[i] = watch.Elapsed.TotalMilliseconds;
        }
        var indexMs = loadMs.Order().ElementAt(loads / 2);

        var pcs = PclntabTargets.RandomPcs(table, 10_000, seed: 3).Take(10_000).ToArray();
        var unknown = 0;
        foreach (var pc in pcs) if (table.Lookup(pc).Function == "?") unknown++; // warm-up
        // Median of several rounds: the machine is shared, and the first rounds still run tier-0 JIT code.
        const int rounds = 9;
        var lookupRounds = new double[rounds];
        var inlinedRounds = new double[rounds];
        var frames = 0;
        for (var r = 0; r < rounds; r++)
        {
            watch.Restart();
            foreach (var pc in pcs) table.Lookup(pc);
            lookupRounds[r] = watch.Elapsed.TotalNanoseconds / pcs.Length;
            watch.Restart();
            frames = 0;
            foreach (var pc in pcs) frames += table.LookupInlined(pc).Count;
            inlinedRounds[r] = watch.Elapsed.TotalNanoseconds / pcs.Length;
        }
        var lookupNs = lookupRounds.Order().ElementAt(rounds / 2);
        var inlinedNs = inlinedRounds.Order().ElementAt(rounds / 2);

        output.WriteLine($"go{release} cmd/go: {table.Functions.Count} functions, {new FileInfo(binary).Length / 1e6:F1} MB; " +
                         $"Load {indexMs:F1} ms (warm, median of {loads}; ELF already open); Lookup {lookupNs:F0} ns/PC, LookupInlined {inlinedNs:F0} ns/PC (medians of {rounds} rounds) " +
                         $"({frames / (double)pcs.Length:F2} frames/PC) over {pcs.Length} random PCs");
        Assert.Equal(0, unknown);
        Assert.True(frames >= pcs.Length);
    }
}
