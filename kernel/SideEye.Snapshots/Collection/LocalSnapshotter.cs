using System.Diagnostics;
using SideEye.GoRuntime;
using SideEye.Loader.Pause;
using SideEye.Probes;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using SideEye.Snapshots.Decoding;
using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// Takes a snapshot of Go processes on this machine: for each, build and load the probe (before pausing, so the
/// verifier's time is not the target's), pause every thread with ptrace, hand the probe the threads' registers,
/// let one thread run the probe in its own signal handler, re-stop it and resume all; then decode off the pause.
/// A process that fails is reported in its row (error) and does not stop the others.
/// </summary>
public sealed class LocalSnapshotter
{
    const int SigUrg = 23;

    public int MaxFrames { get; init; } = 100;
    public TimeSpan MaxPause { get; init; } = TimeSpan.FromMilliseconds(500);

    public Snapshot Take(IReadOnlyList<int> pids, string? note = null)
    {
        var taken = DateTimeOffset.UtcNow;
        var processes = pids.Select(TakeOne).ToArray();
        return new Snapshot(0, taken, note, processes);
    }

    ProcessSnapshot TakeOne(int pid)
    {
        var exe = $"/proc/{pid}/exe";
        string exePath = exe, goVersion = "";
        try
        {
            if (!Directory.Exists($"/proc/{pid}")) throw new SideEyeException($"process {pid}: no such process");
            exePath = ReadExeLink(pid) ?? exe;
            var binary = GoBinary.Open(exe);
            goVersion = binary.Version.Text;
            var plan = ProbePlan.Create(binary, MaxFrames) with { RingBufferBytes = RingBufferBytesFor(pid, binary) };
            using var probe = SnapshotProbe.Attach(plan, binary.Pclntab, pid);
            SnapshotResult result;
            long pauseNs;
            using (var pause = ProcessPause.Pause(pid, MaxPause))
            {
                foreach (var thread in pause.Threads)
                    probe.SetThreadRegisters(thread.Tid, new ThreadRegisters(thread.Rip, thread.Rsp, thread.Rbp));
                result = probe.Run(MaxPause, tid => pause.DeliverSignal(tid, SigUrg, MaxPause));
                pause.RestopThread(probe.TriggerThreadId, MaxPause);
                pause.Resume();
                pauseNs = pause.PauseDurationNs;
            }
            var decoder = new GoroutineDecoder(binary);
            var goroutines = result.Goroutines
                .Select(g => decoder.Decode(g.State, g.Pcs, firstPcIsExact: (g.State.Status & ~binary.Runtime.Statuses.ScanBit) == binary.Runtime.Statuses.Running))
                .ToArray();
            return new ProcessSnapshot(pid, Environment.MachineName, exePath, goVersion, pauseNs, (long)(result.ProbeNs ?? 0),
                result.Truncated || result.Goroutines.Any(g => g.Truncated), result.Summary is null ? "probe did not finish within the pause limit" : null, goroutines);
        }
        catch (SideEyeException e)
        {
            return new ProcessSnapshot(pid, Environment.MachineName, exePath, goVersion, 0, 0, true, e.Message, []);
        }
    }

    /// <summary>
    /// Sizes the ring buffer to the target, read before the pause: every goroutine's record must fit, or the
    /// snapshot is truncated. Records hold a 160-byte header and 8 bytes a frame; most stacks are far shallower
    /// than the frame limit, so this budgets 32 frames each with 50% to spare, between 16 MiB and 512 MiB.
    /// </summary>
    uint RingBufferBytesFor(int pid, GoBinary binary)
    {
        ulong goroutines;
        using (var memory = GoRuntime.Memory.ProcessMemoryReader.Open(pid))
            goroutines = GoRuntime.Memory.MemoryReaderExtensions.ReadU64(memory, binary.Runtime.Variables.AllGLen) ?? 0;
        var perRecord = 160UL + 8UL * (ulong)Math.Min(MaxFrames, 32);
        var wanted = goroutines * perRecord * 3 / 2;
        var bytes = 16UL << 20;
        while (bytes < wanted && bytes < 512UL << 20) bytes <<= 1;
        return (uint)bytes;
    }

    static string? ReadExeLink(int pid)
    {
        try { return File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SideEyeException($"process {pid}: cannot read its executable: {e.Message}", e);
        }
    }
}
