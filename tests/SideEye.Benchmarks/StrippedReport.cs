using System.Diagnostics;
using System.Globalization;
using SideEye.Binary.DebugInfo;
using SideEye.GoRuntime;
using SideEye.GoRuntime.MachineCode;
using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Benchmarks;

/// <summary>
/// Binaries without DWARF or symbols. Opening one with its runtime model (layout data, globals found in machine code),
/// cold (first in this process, with JIT) and warm (a fresh GoBinary each time); the machine-code search alone; and the
/// pause of snapshots of testdata/parked built stripped against the same program with DWARF, alternated in one run.
/// Usage: stripped [BINARY] [runs]   (default: a stripped copy of the newest toolchain's cmd/go, 20 runs). Root for the pauses.
/// </summary>
public static class StrippedReport
{
    public static int Run(string[] args)
    {
        var binary = args.Length > 0 && args[0] != "-" ? args[0] : StrippedCmdGo();
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        Console.WriteLine($"target   {binary} ({new FileInfo(binary).Length / 1e6:F1} MB)");

        var cold = Stopwatch.StartNew();
        var first = GoBinary.Open(binary, DebugInfoSources.None);
        var opened = cold.Elapsed.TotalMilliseconds;
        _ = first.Runtime;
        Console.WriteLine($"open     cold {cold.Elapsed.TotalMilliseconds:F0} ms: ELF and pclntab {opened:F0} ms, then debug-file search and runtime model " +
                          $"({first.Runtime.Origin}) {cold.Elapsed.TotalMilliseconds - opened:F0} ms; first in this process, with JIT");
        var warm = SnapshotReport.Stats(Enumerable.Range(0, runs).Select(_ => Time(() => Open(binary))));
        Console.WriteLine($"open     warm median {warm.Median:F1} ms (min {warm.Min:F1}, max {warm.Max:F1})");
        var search = SnapshotReport.Stats(Enumerable.Range(0, runs).Select(_ => Time(() =>
        {
            RuntimeGlobalsFinder.FindAllGs(first.Image, first.Pclntab);
            RuntimeGlobalsFinder.FindWaitReasonStrings(first.Image, first.Pclntab);
        })));
        Console.WriteLine($"globals  machine-code search median {search.Median:F2} ms (min {search.Min:F2})");
        if (Environment.UserName == "root") ComparePauses(runs);
        return 0;
    }

    static GoBinary Open(string binary)
    {
        var bin = GoBinary.Open(binary, DebugInfoSources.None);
        _ = bin.Runtime;
        return bin;
    }

    static void ComparePauses(int runs)
    {
        using var stripped = new ParkedProgram(GoToolchains.Newest, flags: GoBuildFlags.Stripped, spinners: 0);
        using var whole = new ParkedProgram(GoToolchains.Newest, spinners: 0);
        using var snapshotter = new LocalSnapshotter { DebugInfo = DebugInfoSources.None };
        snapshotter.Take([stripped.Pid, whole.Pid]); // cold: load both probes
        var pauses = new List<(double Stripped, double Whole)>();
        for (var i = 0; i < runs; i++)
        {
            var s = snapshotter.Take([stripped.Pid]).Processes[0];
            var w = snapshotter.Take([whole.Pid]).Processes[0];
            if ((s.Error ?? w.Error) is { } error) throw new InvalidOperationException(error);
            pauses.Add((s.PauseNs / 1e6, w.PauseNs / 1e6));
        }
        var (ps, pw) = (SnapshotReport.Stats(pauses.Select(p => p.Stripped)), SnapshotReport.Stats(pauses.Select(p => p.Whole)));
        Console.WriteLine($"pause    parked, go{GoToolchains.Newest.Release}, alternated: stripped median {ps.Median:F3} ms (min {ps.Min:F3}), " +
                          $"with DWARF median {pw.Median:F3} ms (min {pw.Min:F3}); ratio {ps.Median / pw.Median:F2}");
    }

    /// <summary>cmd/go with its symbols and DWARF removed (objcopy --strip-all), beside the build.</summary>
    static string StrippedCmdGo()
    {
        var built = GoFixture.BuildCmdGo(GoToolchains.Newest);
        var copy = built + ".strip-all";
        if (!File.Exists(copy) || File.GetLastWriteTimeUtc(copy) < File.GetLastWriteTimeUtc(built))
            ExternalTool.Run("objcopy", "--strip-all", built, copy);
        return copy;
    }

    static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }
}
