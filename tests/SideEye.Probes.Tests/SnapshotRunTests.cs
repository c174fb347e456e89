using System.Runtime.InteropServices;
using SideEye.Bpf;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Goroutines;
using SideEye.GoRuntime.Memory;
using SideEye.GoRuntime.Stacks;
using SideEye.Loader.Contract;
using SideEye.Loader.Run;
using SideEye.Probes.Codegen;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Probes.Tests;

/// <summary>
/// The generated job run by the privileged runner on a live parked program (pause, registers, trigger, records),
/// against the reference: GoroutineReader through /proc/PID/mem and FramePointerUnwinder, which the reference
/// tests tie to the program's own runtime.Stack dump.
/// </summary>
[Collection(PrivilegedProbeCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class SnapshotRunTests(ITestOutputHelper output) : KernelObjectLeakCheck
{
    static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(5);

    static SnapshotRunner Load(ProbePlan plan, int pid) => SnapshotRunner.Load(SnapshotJobs.Create(plan, pid, MaxPause));

    static SnapshotResult Run(SnapshotRunner runner, GoBinary bin, ProbePlan plan) =>
        SnapshotResult.Decode(runner.Run(), bin.Pclntab, plan.WalkFrames);

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Parked_goroutines_match_the_reference_reader_and_unwinder(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var model = bin.Runtime;
        var plan = ProbePlan.Create(bin);
        using var runner = Load(plan, parked.Pid);

        var result = Run(runner, bin, plan);
        using var memory = ProcessMemoryReader.Open(parked.Pid);
        var reference = new GoroutineReader(model, memory).ReadAll();
        var unwinder = new FramePointerUnwinder(bin.Pclntab, memory);

        Assert.NotNull(result.Summary);
        output.WriteLine($"go{release}: {result.Goroutines.Count} goroutines, allglen {result.Summary!.AllGLen}, probe {result.ProbeNs} ns; {result.Raw.Timings}");
        Assert.False(result.Truncated, $"summary {result.Summary}");
        Assert.Equal(0, result.Summary.Dropped);
        Assert.Equal(result.Summary.Emitted, result.Goroutines.Count);

        var probed = result.Goroutines.ToDictionary(g => g.State.Goid);
        var compared = 0;
        foreach (var g in reference)
        {
            var status = model.Statuses.Describe(g.Status);
            // Goroutines that move after the resume (spinners, goroutine 1, the runtime's workers) are not compared.
            // The runtime's own goroutines (ensureSigM's loop, say, between select and chan send while the program
            // sets up signal.Notify) may be parked somewhere else by the time the reference reads them.
            if (!probed.TryGetValue(g.Goid, out var p) || g.Goid == 1 || status is "running" or "runnable") continue;
            if (bin.Pclntab.FindFunction(g.StartPc)?.Name.StartsWith("runtime.", StringComparison.Ordinal) == true) continue;
            var probedStatus = model.Statuses.Describe(p.State.Status);
            if (probedStatus is "running" or "runnable") continue;
            var context = $"go{release} goroutine {g.Goid} ({status})";
            // Fields that change while a goroutine stays parked (waitsince, labels) are compared too: nothing runs.
            Assert.Equal((context, g), (context, p.State));
            var isSyscall = (g.Status & ~model.Statuses.ScanBit) == model.Statuses.Syscall;
            var (pcs, truncated) = isSyscall
                ? unwinder.FromSyscall(g.SyscallPc, g.SyscallSp, g.SyscallBp == 0 ? null : g.SyscallBp, g.StackLo, g.StackHi, plan.WalkFrames)
                : unwinder.FromScheduler(g.SchedPc, g.SchedBp, g.StackLo, g.StackHi, plan.WalkFrames);
            Assert.Equal((context, Hex(pcs)), (context, Hex(p.Pcs)));
            Assert.Equal((context, truncated), (context, p.Truncated));
            Assert.False(p.Flags.HasFlag(GoroutineFlags.NoSpDelta), context);
            compared++;
        }
        Assert.True(compared >= 15, $"only {compared} goroutines compared");
        // pprof labels: the program's one labelled goroutine carries exactly its labels (a map before Go 1.24, a
        // sorted slice after); no other goroutine of the program has any.
        var labelled = probed[parked.Single("labels").Goid];
        Assert.False(labelled.Flags.HasFlag(GoroutineFlags.LabelsUnread), $"go{release}: {labelled.Flags}");
        Assert.Equal(ParkedProgram.Labels.OrderBy(kv => kv.Key), labelled.Labels!.OrderBy(kv => kv.Key));
        foreach (var park in parked.Parks.Where(p => p.Kind != "labels"))
            Assert.Null(probed[park.Goid].Labels);
        // Every parked goroutine the program reported is there (the spinners may be running or runnable).
        foreach (var park in parked.Parks)
            Assert.True(probed.ContainsKey(park.Goid), $"go{release}: {park.Kind} goroutine {park.Goid} missing");
    }

    /// <summary>
    /// Running goroutines start from the registers the pause read: the probe's pc + frame-pointer chain, completed
    /// by the decoder from the thread-stack record, must equal FramePointerUnwinder.FromRegisters with the same
    /// registers. A spinner can be preempted at any moment, so a few snapshots may be needed to catch one running
    /// on its own stack.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Running_goroutines_unwind_from_thread_registers(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var plan = ProbePlan.Create(bin);
        var statuses = bin.Runtime.Statuses;
        var spinners = parked.Parks.Where(p => p.Kind == "spin").Select(p => p.Goid).ToHashSet();
        using var runner = Load(plan, parked.Pid);
        using var memory = ProcessMemoryReader.Open(parked.Pid);
        var unwinder = new FramePointerUnwinder(bin.Pclntab, memory);

        var compared = 0;
        for (var attempt = 0; attempt < 20 && compared == 0; attempt++)
        {
            var result = Run(runner, bin, plan);
            Assert.False(result.Truncated);
            var threads = result.Raw.Threads.ToDictionary(t => t.Tid);
            foreach (var g in result.Goroutines.Where(g => (g.State.Status & ~statuses.ScanBit) == statuses.Running))
            {
                var context = $"go{release} goroutine {g.State.Goid} on thread {g.State.ThreadId}";
                Assert.False(g.Flags.HasFlag(GoroutineFlags.NoRegisters), context);
                var regs = threads[g.State.ThreadId!.Value].Registers;
                var functions = g.Pcs.Select(pc => bin.Pclntab.FindFunction(pc)?.Name).ToList();
                output.WriteLine($"attempt {attempt}: {context} at 0x{regs.Pc:x} flags {g.Flags}: {string.Join(" < ", functions)}");
                if (!g.Flags.HasFlag(GoroutineFlags.OnSystemStack)) Assert.Equal((context, regs.Pc), (context, g.Pcs[0]));
                if (g.Flags.HasFlag(GoroutineFlags.OnSystemStack) || g.Flags.HasFlag(GoroutineFlags.OffStack))
                {
                    Assert.True(regs.Sp < g.State.StackLo || regs.Sp >= g.State.StackHi, context);
                    continue;
                }
                var (pcs, truncated) = unwinder.FromRegisters(regs.Pc, regs.Sp, regs.Bp, g.State.StackLo, g.State.StackHi, plan.WalkFrames);
                if (!spinners.Contains(g.State.Goid)) continue; // only a spinner's frames hold still after the resume
                Assert.Equal((context, Hex(pcs)), (context, Hex(g.Pcs)));
                Assert.Equal((context, truncated), (context, g.Truncated));
                Assert.Contains("main.spin", functions);
                compared++;
            }
        }
        Assert.True(compared > 0, $"go{release}: no spinner was caught running on its own stack in 20 snapshots");
        Assert.Empty(Procfs.StoppedThreads(parked.Pid));
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Small_frame_limit_truncates_the_deep_recursion(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var plan = ProbePlan.Create(bin, maxFrames: 8);
        using var runner = Load(plan, parked.Pid);
        var result = Run(runner, bin, plan);

        Assert.False(result.Truncated);
        var recursion = result.Goroutines.Single(g => g.State.Goid == parked.Single("recursion").Goid);
        Assert.Equal(plan.WalkFrames, recursion.Pcs.Count);
        Assert.True(recursion.Truncated);
        Assert.Contains(recursion.Pcs, pc => bin.Pclntab.FindFunction(pc)?.Name == "main.recurse");
        // Short stacks are complete, not truncated.
        var sleeper = result.Goroutines.Single(g => g.State.Goid == parked.Single("sleep").Goid);
        Assert.False(sleeper.Truncated);
    }

    [Fact]
    public void Ten_thousand_goroutines_all_come_back()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        using var parked = new ParkedProgram(toolchain, idle: 10000);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var plan = ProbePlan.Create(bin);
        using var runner = Load(plan, parked.Pid);
        var result = Run(runner, bin, plan);
        using var memory = ProcessMemoryReader.Open(parked.Pid);
        var reference = new GoroutineReader(bin.Runtime, memory).ReadAll();

        Assert.NotNull(result.Summary);
        output.WriteLine($"{result.Goroutines.Count} goroutines (allglen {result.Summary!.AllGLen}) in {result.ProbeNs} ns; " +
                         $"{result.Goroutines.Sum(g => g.Pcs.Count)} frames; {result.Raw.Timings}");
        Assert.False(result.Truncated, $"summary {result.Summary}");
        Assert.True(result.Goroutines.Count > 10000, $"{result.Goroutines.Count} goroutines");
        // Goroutines of the runtime may come and go after the resume; the parked ones may not.
        var idle = reference.Where(g => g.Goid > 1 && bin.Runtime.Statuses.Describe(g.Status) == "waiting").Select(g => g.Goid).ToHashSet();
        Assert.Subset(result.Goroutines.Select(g => g.State.Goid).ToHashSet(), idle);
    }

    /// <summary>
    /// A ring buffer too small for the snapshot: records are dropped, counted, and the summary still arrives and
    /// says so (the probe keeps room for it).
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Full_ring_buffer_drops_are_counted_and_reported(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain, idle: 2000);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var plan = ProbePlan.Create(bin) with { RingBufferBytes = 4096 };
        using var runner = Load(plan, parked.Pid);
        var result = Run(runner, bin, plan);
        using var memory = ProcessMemoryReader.Open(parked.Pid);
        var live = new GoroutineReader(bin.Runtime, memory).ReadAll().Count;

        Assert.NotNull(result.Summary);
        output.WriteLine($"{result.Summary}");
        Assert.True(result.Summary!.Dropped > 0);
        Assert.True(result.Truncated);
        Assert.Equal(result.Summary.Emitted, result.Goroutines.Count);
        Assert.InRange(result.Summary.Emitted + result.Summary.Dropped, live - 5, live + 5);
        Assert.Equal((ulong)result.Summary.Dropped, Stats(runner, 0));
    }

    /// <summary>The runtime sends SIGURG by itself (preemption): an unarmed hit must produce nothing.</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Sigurg_without_arming_produces_no_records(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var plan = ProbePlan.Create(bin);
        using var runner = Load(plan, parked.Pid);

        var hits = Stats(runner, 1);
        Assert.Equal(0, Tgkill(parked.Pid, parked.Pid, SnapshotJobs.TriggerSignal));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Stats(runner, 1) == hits && DateTime.UtcNow < deadline) Thread.Sleep(5);
        Assert.True(Stats(runner, 1) > hits, "SIGURG did not reach the probe");
        Thread.Sleep(50);
        Assert.Equal(0, runner.DiscardPending());
        // The same runner still works when armed afterwards.
        Assert.False(Run(runner, bin, plan).Truncated);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Disposal_closes_every_bpf_and_perf_fd(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var plan = ProbePlan.Create(bin);
        var before = KernelObjectFds().Count;
        var runner = Load(plan, parked.Pid);
        Assert.False(Run(runner, bin, plan).Truncated);
        // Six maps, the program and the uprobe's perf event.
        Assert.True(KernelObjectFds().Count >= before + 8, $"{KernelObjectFds().Count - before} new kernel object fds while attached");
        runner.Dispose();
        Assert.Equal(before, KernelObjectFds().Count);
        runner.Dispose(); // idempotent
    }

    [Fact]
    public void Failed_attach_releases_what_it_loaded()
    {
        Requires.Root();
        var bin = GoBinary.Open(GoFixture.Build("parked", GoToolchains.Newest));
        var plan = ProbePlan.Create(bin) with { BinaryPath = "/nonexistent/parked" };
        var before = KernelObjectFds().Count;
        Assert.Throws<ArgumentException>(() => Load(plan, Environment.ProcessId));
        Assert.Equal(before, KernelObjectFds().Count);
    }

    /// <summary>The program's counters: [0] records the ring buffer refused, [1] hits armed or not.</summary>
    static ulong Stats(SnapshotRunner runner, int index)
    {
        Span<ulong> value = stackalloc ulong[2];
        return runner.Map(SnapshotProgram.StatsMap).TryLookup(BitConverter.GetBytes(0u), MemoryMarshal.AsBytes(value)) ? value[index] : 0;
    }

    static string Hex(IEnumerable<ulong> pcs) => string.Join(" ", pcs.Select(pc => $"0x{pc:x}"));

    [DllImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    static extern int Tgkill(int tgid, int tid, int sig);
}
