using SideEye.Snapshots.Model;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>
/// Turns a runtime.Stack dump into the model the decoder will produce, so the store can be fed real
/// goroutines. A dump has no PCs: a frame's PC offset stands in for its PC.
/// </summary>
static class DumpSnapshot
{
    static readonly HashSet<string> NotWaiting = ["running", "runnable", "syscall", "dead", "idle", "copystack", "preempted"];

    public static ProcessSnapshot Process(IReadOnlyList<DumpGoroutine> dump, int pid, string goVersion) =>
        new(pid, Environment.MachineName, "testdata/parked", goVersion, PauseNs: 0, ProbeNs: 0,
            Truncated: dump.Any(g => g.Elided), Error: null, dump.Select(Goroutine).ToArray());

    static GoroutineRecord Goroutine(DumpGoroutine g)
    {
        var waiting = !NotWaiting.Contains(g.Status);
        return new GoroutineRecord(
            g.Goid,
            Status: waiting ? "waiting" : g.Status,
            WaitReason: waiting ? g.Status : null,
            WaitSinceNs: null,
            ThreadId: null,
            g.CreatedByGoid,
            g.CreatedByFunc,
            StartFunc: g.Frames.Count > 0 ? g.Frames[^1].Func : null,
            g.Frames.Select(f => new StackFrame((ulong)(f.Offset ?? 0), f.Func, f.File, f.Line, Inlined: f.Offset is null)).ToArray(),
            g.Labels);
    }
}
