using System.Diagnostics;
using SideEye.GoRuntime.Goroutines;
using SideEye.GoRuntime.Memory;
using SideEye.GoRuntime.Stacks;
using SideEye.Testing;

namespace SideEye.GoRuntime.Tests;

/// <summary>The reference goroutine reader and pcsp unwinder on a live demo service, read through /proc/PID/mem.</summary>
[Trait("Category", "Privileged")]
public class LiveGoroutineReaderTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void ParkedWorkersUnwindToTheirFunctions(string release)
    {
        Requires.Root();
        var binary = GoFixture.Build("demo", release);
        var bin = GoBinary.Open(binary);
        using var target = Process.Start(new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardInput = true })!;
        try
        {
            Assert.StartsWith("ready pid=", target.StandardOutput.ReadLine());
            // Read a still process: the demo's ticker wakes every 50 ms, and a goroutine read while it moves has
            // a stack that is half old, half new. SIGSTOP holds every thread. Right after "ready" the workers may not
            // have run yet, and one may be busy with a job: read again (resumed in between) until all four wait.
            var (workers, serving) = (0, 0);
            for (var attempt = 0; attempt < 100 && (workers, serving) != (4, 1); attempt++)
            {
                if (attempt > 0)
                {
                    Signal(target.Id, "-CONT");
                    Thread.Sleep(20);
                }
                StopAllThreads(target.Id);
                (workers, serving) = ReadWaiting(bin, target.Id);
            }
            Assert.Equal(4, workers);
            Assert.Equal(1, serving);
        }
        finally
        {
            target.Kill();
            target.WaitForExit();
        }
    }

    /// <summary>
    /// Reads and unwinds every waiting goroutine of the stopped process, checking each against the runtime's own
    /// rules; returns how many are main.worker waiting for a job and how many are the HTTP server waiting to accept.
    /// </summary>
    static (int Workers, int Serving) ReadWaiting(GoBinary bin, int pid)
    {
        using var memory = ProcessMemoryReader.Open(pid);
        var goroutines = new GoroutineReader(bin.Runtime, memory).ReadAll();
        var unwinder = new PcspUnwinder(bin.Pclntab, memory);
        var framePointers = new FramePointerUnwinder(bin.Pclntab, memory);
        var symbolizer = new StackSymbolizer(bin.Pclntab);

        Assert.Contains(goroutines, g => g.Goid == 1);
        var workers = 0;
        var serving = 0;
        foreach (var g in goroutines.Where(g => bin.Runtime.Statuses.Describe(g.Status) == "waiting"))
        {
            var (pcs, truncated) = unwinder.Unwind(g.SchedPc, g.SchedSp, g.StackLo, g.StackHi);
            Assert.False(truncated);
            // The frame-pointer walk (what the BPF probe does) finds exactly the PCs the runtime's pcsp method finds.
            Assert.Equal(pcs, framePointers.FromScheduler(g.SchedPc, g.SchedBp, g.StackLo, g.StackHi).Pcs);
            var frames = symbolizer.Symbolize(pcs, firstPcIsExact: false);
            Assert.Equal("runtime.gopark", frames[0].Function);
            var reason = bin.Runtime.WaitReasons.Describe(g.WaitReason);
            // The outermost frame is the goroutine's start function (runtime.goexit is not included).
            Assert.Equal(bin.Pclntab.FindFunction(g.StartPc)!.Name, bin.Pclntab.FindFunction(pcs[^1])!.Name);
            if (frames.Any(f => f.Function == "main.worker") && reason == "chan receive")
            {
                workers++;
                Assert.Equal("main.main", symbolizer.CreatedBy(g.GoPc)?.Function);
                Assert.Equal(1, g.ParentGoid ?? 1);
            }
            if (frames.Any(f => f.Function == "net/http.(*Server).Serve") && reason == "IO wait") serving++;
        }
        return (workers, serving);
    }

    static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    static void StopAllThreads(int pid)
    {
        Signal(pid, "-STOP");
        var deadline = Stopwatch.StartNew();
        while (Procfs.ThreadStates(pid).Values.Any(state => state != 'T'))
        {
            Assert.True(deadline.ElapsedMilliseconds < 5000, $"process {pid} did not stop on SIGSTOP");
            Thread.Sleep(2);
        }
    }
}
