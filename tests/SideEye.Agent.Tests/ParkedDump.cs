using SideEye.Snapshots.Model;
using SideEye.Testing;

namespace SideEye.Agent.Tests;

/// <summary>
/// A snapshot of testdata/parked checked against the program's own runtime.Stack dump: every goroutine that stays
/// put (the spinning ones and main move) is there, in the state the dump gives, with the frames the dump shows.
/// </summary>
static class ParkedDump
{
    /// <summary>Checks <paramref name="process"/> against <paramref name="parked"/>'s dump; returns how many goroutines were compared.</summary>
    public static int AssertMatches(ProcessSnapshot process, ParkedProgram parked, string context)
    {
        var moving = parked.Parks.Where(p => p.Kind == "spin").Select(p => p.Goid).Append(1).ToHashSet();
        var byId = process.Goroutines.ToDictionary(g => g.Goid);
        var compared = 0;
        foreach (var dumped in GoroutineDump.ParseFile(parked.DumpPath).Where(d => !moving.Contains(d.Goid)))
        {
            var where = $"{context} goroutine {dumped.Goid}";
            Assert.True(byId.TryGetValue(dumped.Goid, out var g), $"{where}: not in the snapshot");
            Assert.Equal((where, dumped.Status), (where, g!.WaitReason ?? g.Status));
            var shown = g.Frames.Where(f => f.Shown).Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
            var expected = dumped.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
            if (dumped.ElidedFrames is null && !(parked.Toolchain.Release == "1.19" && expected.Length < shown.Length)) Assert.Equal(expected, shown);
            else Assert.Equal(expected[..10], shown[..10]);
            compared++;
        }
        Assert.True(compared >= 15, $"{context}: only {compared} goroutines compared");
        return compared;
    }
}
