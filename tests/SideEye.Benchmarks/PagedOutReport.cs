using System.Globalization;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Testing;

namespace SideEye.Benchmarks;

/// <summary>
/// What faulting pages in costs: testdata/requests with N goroutines parked in main.(*server).handle and five
/// captured expressions in each (CaptureReport's direct set). First with everything resident, snapshots alternating
/// between the probe that never faults (budget 0, a non-sleepable program) and the one that may (the default budget),
/// so the sleepable program's own cost shows. Then with the process paged out into a swap file before each snapshot
/// (process_madvise MADV_PAGEOUT): how many reads missed and values stayed unread without faulting, and with it how
/// many reads were faulted in, the pages that came back (VmSwap before and after, from /proc) and the time per page.
/// Needs root. Usage: pagedout [N] [runs]   (default 10000, 20 runs)
/// </summary>
public static class PagedOutReport
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        Console.WriteLine($"cpus {Environment.ProcessorCount}, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {GoToolchains.Newest.Release}, {n} goroutines, {runs} runs each");
        var binary = GoFixture.Build("requests", GoToolchains.Newest);
        using var swap = SwapSpace.Acquire();
        using var target = LaunchedProgram.StartUntilReady(binary, ["-n", n.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        var spec = CaptureSpec.Empty.WithCapture("requests", "main.(*server).handle", CaptureReport.Direct);
        using var never = new LocalSnapshotter { MaxFrames = 64, MaxPause = TimeSpan.FromSeconds(5), Captures = spec, FaultBudget = TimeSpan.Zero };
        using var faulting = new LocalSnapshotter { MaxFrames = 64, MaxPause = TimeSpan.FromSeconds(5), Captures = spec };

        Procfs.FaultIn(target.Pid, long.MaxValue);
        Once(never, target.Pid);
        Once(faulting, target.Pid);
        var (plain, sleepable) = (new List<ProcessSnapshot>(), new List<ProcessSnapshot>());
        for (var i = 0; i < runs; i++)
        {
            plain.Add(Once(never, target.Pid));
            sleepable.Add(Once(faulting, target.Pid));
        }
        var (p0, p1) = (Samples.Median(plain.Select(p => p.PauseNs)), Samples.Median(sleepable.Select(p => p.PauseNs)));
        var (b0, b1) = (Samples.Median(plain.Select(p => p.ProbeNs)), Samples.Median(sleepable.Select(p => p.ProbeNs)));
        Console.WriteLine($"resident: pause median {p0 / 1e6:F2} ms never faulting, {p1 / 1e6:F2} ms may fault ({(p1 / p0 - 1) * 100:+0.0;-0.0}%); "
            + $"probe {b0 / 1e6:F2} -> {b1 / 1e6:F2} ms ({(b1 / b0 - 1) * 100:+0.0;-0.0}%); reads missed {Samples.Median(sleepable.Select(p => p.Reads?.Missed ?? 0)):F0}");

        for (var i = 0; i < Math.Min(runs, 5); i++)
        {
            var swappedBefore = PageOut.Process(target.Pid);
            var without = Once(never, target.Pid);
            var swapped = PageOut.Process(target.Pid);
            var with = Once(faulting, target.Pid);
            var back = swapped - PageOut.SwappedBytes(target.Pid);
            var reads = with.Reads!;
            var pages = Math.Max(1, back / 4096);
            Console.WriteLine($"paged out ({swappedBefore >> 20} MiB, then {swapped >> 20} MiB): never faulting {without.Goroutines.Count} goroutines, {Unread(without)} of {without.Captures?.Count ?? 0} values unread, "
                + $"{without.Reads?.Missed} reads missed, pause {without.PauseNs / 1e6:F2} ms | faulting {with.Goroutines.Count} goroutines, {Unread(with)} of {with.Captures?.Count ?? 0} values unread, "
                + $"{reads.Faulted} of {reads.Missed} missed reads faulted in, {pages} pages back ({back >> 10} KiB), {reads.FaultNs / 1e6:F2} ms faulting = {reads.FaultNs / 1e3 / pages:F1} µs a page, "
                + $"pause {with.PauseNs / 1e6:F2} ms, probe {with.ProbeNs / 1e6:F2} ms{(reads.BudgetSpent ? ", budget spent" : "")}; {with.Timings}");
        }
        return 0;
    }

    static int Unread(ProcessSnapshot p) => p.Captures?.Count(c => c.ValueJson is null || c.ValueJson.Contains("$unread", StringComparison.Ordinal)) ?? 0;

    static ProcessSnapshot Once(LocalSnapshotter snapshotter, int pid) => snapshotter.Take([pid]).Processes[0];
}
