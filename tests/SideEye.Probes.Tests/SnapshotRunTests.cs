using SideEye.GoRuntime;
using SideEye.GoRuntime.Goroutines;
using SideEye.GoRuntime.Memory;
using SideEye.GoRuntime.Stacks;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Probes.Tests;

/// <summary>
/// The probe on a live parked program against the reference: GoroutineReader through /proc/PID/mem and
/// FramePointerUnwinder, which the reference tests tie to the program's own runtime.Stack dump.
/// </summary>
[Collection(PrivilegedProbeCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class SnapshotProbeTests(ITestOutputHelper output) : KernelObjectLeakCheck
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Probe_matches_the_reference_reader_and_unwinder(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var model = bin.Runtime;
        var plan = ProbePlan.Create(bin);
        using var probe = SnapshotProbe.Attach(plan, bin.Pclntab, parked.Pid);

        var result = probe.Run(Timeout);
        using var memory = ProcessMemoryReader.Open(parked.Pid);
        var reference = new GoroutineReader(model, memory).ReadAll();
        var unwinder = new FramePointerUnwinder(bin.Pclntab, memory);

        Assert.NotNull(result.Summary);
        output.WriteLine($"go{release}: {result.Goroutines.Count} goroutines, allglen {result.Summary!.AllGLen}, probe {result.ProbeNs} ns");
        Assert.False(result.Truncated, $"summary {result.Summary}");
        Assert.Equal(0, result.Summary.Dropped);
        Assert.Equal(0UL, result.DroppedTotal);
        Assert.Equal(reference.Count, result.Goroutines.Count);
        Assert.Equal(result.Summary.Emitted, result.Goroutines.Count);

        var probed = result.Goroutines.ToDictionary(g => g.State.Goid);
        var compared = 0;
        foreach (var g in reference)
        {
            Assert.True(probed.TryGetValue(g.Goid, out var p), $"go{release}: goroutine {g.Goid} missing from the probe");
            var status = model.Statuses.Describe(g.Status);
            // The target is not paused here: spinners move between running and runnable between the two reads,
            // so the probe's own view decides whether it reported a running goroutine.
            var probedStatus = model.Statuses.Describe(p!.State.Status);
            if (probedStatus == "running")
            {
                // No registers were provided (that needs ptrace): header only, flagged.
                Assert.True(p.Flags.HasFlag(GoroutineFlags.NoRegisters), $"go{release} goroutine {g.Goid}: {p.Flags}");
                Assert.Empty(p.Pcs);
            }
            if (g.Goid == 1 || status is "running" or "runnable" || probedStatus is "running" or "runnable") continue;
            var context = $"go{release} goroutine {g.Goid} ({status})";
            // Fields that change while a goroutine stays parked (waitsince, labels) are compared too: nothing runs.
            Assert.Equal((context, g), (context, p!.State));
            var isSyscall = (g.Status & ~model.Statuses.ScanBit) == model.Statuses.Syscall;
            var (pcs, truncated) = isSyscall
                ? unwinder.FromSyscall(g.SyscallPc, g.SyscallSp, g.SyscallBp == 0 ? null : g.SyscallBp, g.StackLo, g.StackHi, plan.MaxFrames)
                : unwinder.FromScheduler(g.SchedPc, g.SchedBp, g.StackLo, g.StackHi, plan.MaxFrames);
            Assert.Equal((context, Hex(pcs)), (context, Hex(p.Pcs)));
            Assert.Equal((context, truncated), (context, p.Truncated));
            Assert.False(p.Flags.HasFlag(GoroutineFlags.NoSpDelta), context);
            compared++;
        }
        Assert.True(compared >= 15, $"only {compared} goroutines compared");
        var syscall = parked.Single("syscall").Goid;
        output.WriteLine($"syscall goroutine {syscall}: {probed[syscall].Pcs.Count} frames, flags {probed[syscall].Flags}");
    }

    /// <summary>
    /// Running goroutines from thread registers: the spinners' threads are stopped with ptrace (as the loader
    /// will), their registers go into thread_regs, and the probe's walk must equal FramePointerUnwinder.FromRegisters.
    /// A spinner can be preempted or migrate at any moment, so a thread whose goroutine is no longer running when
    /// it stops is skipped, and the attempt repeated a few times.
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
        var running = bin.Runtime.Statuses.Running;
        using var probe = SnapshotProbe.Attach(plan, bin.Pclntab, parked.Pid);
        using var memory = ProcessMemoryReader.Open(parked.Pid);
        var unwinder = new FramePointerUnwinder(bin.Pclntab, memory);

        var compared = 0;
        for (var attempt = 0; attempt < 20 && compared == 0; attempt++)
        {
            var threads = probe.Run(Timeout).Goroutines
                .Where(g => g.State.Status == running && g.State.ThreadId is { } t && t != parked.Pid)
                .Select(g => g.State.ThreadId!.Value).Distinct().ToList();
            if (threads.Count == 0) output.WriteLine($"attempt {attempt}: no goroutine running on a thread other than the trigger thread");
            var stops = new List<PtraceStop>();
            try
            {
                foreach (var tid in threads) stops.Add(PtraceStop.Interrupt(tid));
                probe.ClearThreadRegisters();
                foreach (var stop in stops) probe.SetThreadRegisters(stop.Tid, stop.Registers);
                var result = probe.Run(Timeout);
                Assert.False(result.Truncated);
                foreach (var stop in stops)
                {
                    var g = result.Goroutines.SingleOrDefault(r => r.State.Status == running && r.State.ThreadId == stop.Tid);
                    if (g is null)
                    {
                        var there = result.Goroutines.Where(r => r.State.ThreadId == stop.Tid).Select(r => $"{r.State.Goid}:{bin.Runtime.Statuses.Describe(r.State.Status)}");
                        output.WriteLine($"attempt {attempt}: thread {stop.Tid} stopped at 0x{stop.Registers.Pc:x} ({bin.Pclntab.FindFunction(stop.Registers.Pc)?.Name}) has no running goroutine; its goroutines: {string.Join(", ", there)}");
                        continue;
                    }
                    var context = $"go{release} goroutine {g.State.Goid} on thread {stop.Tid} at 0x{stop.Registers.Pc:x}";
                    var (pcs, truncated) = unwinder.FromRegisters(stop.Registers.Pc, stop.Registers.Sp, stop.Registers.Bp,
                        g.State.StackLo, g.State.StackHi, plan.MaxFrames);
                    Assert.Equal((context, Hex(pcs)), (context, Hex(g.Pcs)));
                    Assert.Equal((context, truncated), (context, g.Truncated));
                    Assert.False(g.Flags.HasFlag(GoroutineFlags.NoRegisters), context);
                    var functions = g.Pcs.Select(pc => bin.Pclntab.FindFunction(pc)?.Name).ToList();
                    output.WriteLine($"{context}: {string.Join(" < ", functions)}");
                    // A thread stopped inside a signal handler or on g0 has sp outside the goroutine's stack: both
                    // walks give just the pc (checked above), but that says nothing about the goroutine's own frames.
                    if (stop.Registers.Sp < g.State.StackLo || stop.Registers.Sp >= g.State.StackHi) continue;
                    Assert.Contains("main.spin", functions);
                    compared++;
                }
            }
            finally
            {
                foreach (var stop in stops) stop.Dispose();
                probe.ClearThreadRegisters();
            }
        }
        Assert.True(compared > 0, $"go{release}: no spinner stayed running on a stopped thread in 20 attempts");
        // Detached: no thread of the target is left in a stop.
        foreach (var task in Directory.GetDirectories($"/proc/{parked.Pid}/task"))
        {
            var state = File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("State:", StringComparison.Ordinal));
            Assert.DoesNotMatch(@"State:\s+[tT]", state);
        }
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Small_frame_limit_truncates_the_deep_recursion(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        using var probe = SnapshotProbe.Attach(ProbePlan.Create(bin, maxFrames: 8), bin.Pclntab, parked.Pid);
        var result = probe.Run(Timeout);

        Assert.False(result.Truncated);
        var recursion = result.Goroutines.Single(g => g.State.Goid == parked.Single("recursion").Goid);
        Assert.Equal(8, recursion.Pcs.Count);
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
        var toolchain = GoToolchains.Get("1.26");
        using var parked = new ParkedProgram(toolchain, idle: 10000);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        using var probe = SnapshotProbe.Attach(ProbePlan.Create(bin), bin.Pclntab, parked.Pid);
        var result = probe.Run(TimeSpan.FromSeconds(30));
        using var memory = ProcessMemoryReader.Open(parked.Pid);
        var reference = new GoroutineReader(bin.Runtime, memory).ReadAll();

        Assert.NotNull(result.Summary);
        output.WriteLine($"{result.Goroutines.Count} goroutines (allglen {result.Summary!.AllGLen}) in {result.ProbeNs} ns; " +
                         $"{result.Goroutines.Sum(g => g.Pcs.Count)} frames");
        Assert.False(result.Truncated, $"summary {result.Summary}");
        Assert.True(result.Goroutines.Count > 10000, $"{result.Goroutines.Count} goroutines");
        Assert.Equal(reference.Select(g => g.Goid).Order(), result.Goroutines.Select(g => g.State.Goid).Order());
    }

    /// <summary>
    /// A ring buffer too small for the snapshot: records are dropped, counted, and the summary still arrives and says
    /// so. Userspace drains while the probe runs, so 2000 extra goroutines (~400 KB of records through 4 KiB) make
    /// sure the buffer does fill up.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Full_ring_buffer_drops_are_counted_and_reported(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain, idle: 2000);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        using var probe = SnapshotProbe.Attach(ProbePlan.Create(bin) with { RingBufferBytes = 4096 }, bin.Pclntab, parked.Pid);
        var result = probe.Run(Timeout);
        using var memory = ProcessMemoryReader.Open(parked.Pid);
        var live = new GoroutineReader(bin.Runtime, memory).ReadAll().Count;

        Assert.NotNull(result.Summary);
        output.WriteLine($"{result.Summary}");
        Assert.True(result.Summary!.Dropped > 0);
        Assert.True(result.Truncated);
        Assert.Equal(result.Summary.Emitted, result.Goroutines.Count);
        Assert.Equal(live, result.Summary.Emitted + result.Summary.Dropped);
        Assert.Equal((ulong)result.Summary.Dropped, result.DroppedTotal);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Sigurg_without_arming_produces_no_records(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        using var probe = SnapshotProbe.Attach(ProbePlan.Create(bin), bin.Pclntab, parked.Pid);

        var unarmed = probe.SignalUnarmed(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, unarmed);
        // The same probe still works when armed afterwards.
        Assert.False(probe.Run(Timeout).Truncated);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Disposal_closes_every_bpf_and_perf_fd(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var before = KernelObjectFds().Count;
        var probe = SnapshotProbe.Attach(ProbePlan.Create(bin), bin.Pclntab, parked.Pid);
        Assert.False(probe.Run(Timeout).Truncated);
        // Six maps, the program and the uprobe's perf event.
        Assert.True(KernelObjectFds().Count >= before + 8, $"{KernelObjectFds().Count - before} new kernel object fds while attached");
        probe.Dispose();
        Assert.Equal(before, KernelObjectFds().Count);
        probe.Dispose(); // idempotent
    }

    [Fact]
    public void Failed_attach_releases_what_it_loaded()
    {
        Requires.Root();
        var bin = GoBinary.Open(GoFixture.Build("parked", GoToolchains.Newest));
        var plan = ProbePlan.Create(bin) with { BinaryPath = "/nonexistent/parked" };
        var before = KernelObjectFds().Count;
        Assert.Throws<ArgumentException>(() => SnapshotProbe.Attach(plan, bin.Pclntab, Environment.ProcessId));
        Assert.Equal(before, KernelObjectFds().Count);
    }

    static string Hex(IEnumerable<ulong> pcs) => string.Join(" ", pcs.Select(pc => $"0x{pc:x}"));
}
