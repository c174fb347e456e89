using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Tests.Store;

/// <summary>
/// Realistic-looking snapshots made up in code: goroutines share a small set of stacks, as in a real
/// service where thousands of workers wait in the same place. Each stack is a fresh list, so the store
/// must deduplicate by content, not by reference.
/// </summary>
static class SyntheticSnapshot
{
    static readonly string[] Statuses = ["waiting", "running", "runnable", "syscall"];
    static readonly string[] WaitReasons = ["chan receive", "select", "IO wait", "sync.Mutex.Lock", "sleep"];

    /// <summary>The distinct stacks: stack k has <paramref name="depth"/> frames, and its innermost frames differ from stack k+1's.</summary>
    public static StackFrame[][] Stacks(int count, int depth)
    {
        var stacks = new StackFrame[count][];
        for (var k = 0; k < count; k++)
        {
            var frames = new StackFrame[depth];
            for (var d = 0; d < depth; d++)
            {
                // Outer frames are common to all stacks (main, server loop); inner ones are per stack.
                var shared = d >= depth / 2;
                var fn = shared ? $"net/http.(*Server).Serve.func{d}" : $"example.com/svc/worker{k}.handle{d}";
                var file = shared ? "/usr/lib/go/src/net/http/server.go" : $"/src/svc/worker{k}/handler.go";
                var pc = shared ? 0x400000UL + (ulong)d * 0x40 : 0x500000UL + (ulong)k * 0x1000 + (ulong)d * 0x10;
                frames[d] = new StackFrame(pc, fn, file, 10 + d, Inlined: d % 7 == 3);
            }
            stacks[k] = frames;
        }
        return stacks;
    }

    public static Snapshot Make(int processes, int goroutinesPerProcess, int distinctStacks, int depth, long snapshotId = 0)
    {
        var stacks = Stacks(distinctStacks, depth);
        var list = new List<ProcessSnapshot>();
        for (var p = 0; p < processes; p++)
        {
            var goroutines = new GoroutineRecord[goroutinesPerProcess];
            for (var i = 0; i < goroutinesPerProcess; i++)
            {
                var status = Statuses[i % Statuses.Length];
                var waiting = status == "waiting";
                goroutines[i] = new GoroutineRecord(
                    Goid: i + 1,
                    Status: status,
                    WaitReason: waiting ? WaitReasons[i % WaitReasons.Length] : null,
                    WaitSinceNs: waiting ? 1_000_000L * i : null,
                    ThreadId: status is "running" or "syscall" ? 1000 + p * 100 + i % 50 : null,
                    CreatedByGoid: i == 0 ? null : 1,
                    CreatedByFunc: i == 0 ? null : "main.main",
                    StartFunc: i == 0 ? "main.main" : "example.com/svc.worker",
                    Frames: stacks[(i * 7919) % distinctStacks].ToArray(), // a copy: dedup must compare contents
                    Labels: i % 3 == 0 ? new Dictionary<string, string> { ["handler"] = $"/api/{i % 5}", ["quote\"key"] = "a,b\nc" } : null);
            }
            list.Add(new ProcessSnapshot(4000 + p, "host-a", $"/usr/bin/svc{p}", "go1.26.0", PauseNs: 150_000 + p, ProbeNs: 90_000, Truncated: p == 2, Error: p == 2 ? "stack of goroutine 7 too deep" : null, goroutines));
        }
        return new Snapshot(snapshotId, new DateTimeOffset(2026, 11, 25, 19, 30, 0, 123, TimeSpan.Zero), "synthetic", list);
    }
}
