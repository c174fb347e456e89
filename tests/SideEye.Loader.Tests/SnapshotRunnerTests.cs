using System.Buffers.Binary;
using SideEye.Binary.Elf;
using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.Loader.Contract;
using SideEye.Loader.Pause;
using SideEye.Loader.Run;
using SideEye.Testing;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Loader.Tests;

/// <summary>
/// The runner's contract with a program it knows nothing about, shown with a small hand-written one: it is armed
/// through the control word, finds its own thread's registers in the thread-registers map, and ends the run with
/// the completion record carrying the generation. The target is the busy pausetarget, triggered in runtime.sigtramp.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class SnapshotRunnerTests : KernelObjectLeakCheck
{
    const uint DoneKind = 7;

    /// <summary>On an armed hit: disarm, look up this thread's registers, send {kind, found, generation, pc} with a wakeup.</summary>
    static SnapshotJob Job(int pid, string binary, TimeSpan? maxPause = null)
    {
        var code = new Instructions
        {
            A.LoadMapValue(R1, "control", 0),
            A.LoadMem(R8, R1, 0, Size.DW),
            A.JumpIfImm(JumpOp.Eq, R8, 0, "exit"),
            A.StoreImm(R1, 0, 0, Size.DW),
            A.Call(BpfHelper.GetCurrentPidTgid),
            A.StoreMem(R10, -8, R0, Size.W),
            A.StoreImm(R10, -48, (int)DoneKind, Size.W),
            A.StoreImm(R10, -44, 0, Size.W),
            A.StoreMem(R10, -40, R8, Size.DW),
            A.StoreImm(R10, -32, 0, Size.DW),
            A.LoadMapPtr(R1, "regs"),
            A.Mov64(R2, R10),
            A.Add64Imm(R2, -8),
            A.Call(BpfHelper.MapLookupElem),
            A.JumpIfImm(JumpOp.Eq, R0, 0, "send"),
            A.StoreImm(R10, -44, 1, Size.W),
            A.LoadMem(R1, R0, 0, Size.DW),
            A.StoreMem(R10, -32, R1, Size.DW),
            A.Label("send"),
            A.LoadMapPtr(R1, "out"),
            A.Mov64(R2, R10),
            A.Add64Imm(R2, -48),
            A.Mov64Imm(R3, 24),
            A.Mov64Imm(R4, 2), // BPF_RB_FORCE_WAKEUP
            A.Call(BpfHelper.RingbufOutput),
            A.Label("exit"),
            A.Mov64Imm(R0, 0),
            A.Exit(),
        };
        var image = ElfImage.Open(binary);
        var sigtramp = image.Symbols.Single(s => s.Name is "runtime.sigtramp" or "runtime.sigtramp.abi0"); // assembly: ABI0 in the symbol table
        return new SnapshotJob
        {
            Pid = pid,
            Program = new ProgramSpec("runner_test", ProgramType.Kprobe, code),
            Maps =
            [
                new MapSpec("control", MapType.Array, 4, 8, 1),
                new MapSpec("regs", MapType.Hash, 4, (uint)ThreadRegisters.Size, 1024),
                MapSpec.RingBuf("out", 1 << 16),
            ],
            Trigger = new UprobeSite(binary, (ulong)image.FileOffsetOf(sigtramp.Value)!.Value),
            Protocol = new ProbeProtocol("control", "regs", "out", DoneKind, 8, TriggerSignal: 23),
            MaxPause = maxPause ?? TimeSpan.FromSeconds(2),
        };
    }

    [Fact]
    public void A_run_pauses_feeds_registers_triggers_and_collects()
    {
        Requires.Root();
        var binary = GoFixture.Build("pausetarget", GoToolchains.Newest);
        using var target = new TargetProcess(binary);
        target.WaitForBeatAfter(5);
        using var runner = SnapshotRunner.Load(Job(target.Pid, binary));
        for (var run = 1; run <= 3; run++)
        {
            var raw = runner.Run();
            Assert.True(raw.Completed, raw.Incomplete);
            var record = Assert.Single(raw.Records);
            Assert.Equal(DoneKind, BinaryPrimitives.ReadUInt32LittleEndian(record));
            Assert.Equal((ulong)run, BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(8)));
            // The program found its own thread's registers, as read at the stop, before the thread ran.
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(4)));
            var trigger = raw.Threads.Single(t => t.Tid == target.Pid);
            Assert.Equal(trigger.Registers.Pc, BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(16)));
            Assert.True(raw.Threads.Count >= 5, $"{raw.Threads.Count} threads");
            Assert.True(raw.Timings.PauseNs > 0 && raw.Timings.ProbeWaitNs >= 0, raw.Timings.ToString());
            // The phases tile the pause: from the first stop request to the last thread released.
            Assert.Equal(raw.Timings.PauseNs, raw.Timings.StopNs + raw.Timings.ArmNs + raw.Timings.TriggerNs + raw.Timings.ProbeWaitNs + raw.Timings.ResumeNs);
            Assert.Empty(Procfs.StoppedThreads(target.Pid));
        }
        // The target kept working across the pauses.
        var before = target.LastBeat().Beat;
        target.WaitForBeatAfter(before + 5);
    }

    /// <summary>
    /// A trigger thread that blocks the trigger signal: it cannot be stopped by that signal, so the pause
    /// interrupts it instead, and the run ends in a clear error at the pause limit; the target runs on.
    /// </summary>
    [Fact]
    public void A_trigger_thread_that_blocks_the_signal_is_a_clear_error_within_the_limit()
    {
        Requires.Root();
        var binary = GoFixture.Build("pausetarget", GoToolchains.Newest);
        using var target = new TargetProcess(binary, "-block-urg-main");
        target.WaitForBeatAfter(5);
        using var runner = SnapshotRunner.Load(Job(target.Pid, binary, TimeSpan.FromMilliseconds(300)));
        var e = Assert.Throws<TargetProcessException>(() => runner.Run());
        Assert.Contains("did not reach the delivery of signal 23 before the pause limit of 300 ms", e.Message);
        Assert.Empty(Procfs.StoppedThreads(target.Pid));
        target.WaitForBeatAfter(target.LastBeat().Beat + 5);
    }

    [Fact]
    public void A_job_naming_a_map_it_does_not_define_is_refused_and_nothing_stays_loaded()
    {
        Requires.Root();
        var binary = GoFixture.Build("pausetarget", GoToolchains.Newest);
        var job = Job(Environment.ProcessId, binary);
        var e = Assert.Throws<ArgumentException>(() => SnapshotRunner.Load(job with { Protocol = job.Protocol with { ThreadRegistersMap = "nope" } }));
        Assert.Contains("'nope'", e.Message);
        e = Assert.Throws<ArgumentException>(() => SnapshotRunner.Load(job with { MapEntries = [new MapEntry("missing", new byte[4], new byte[8])] }));
        Assert.Contains("'missing'", e.Message);
    }

    [Fact]
    public void A_dead_process_is_a_clear_error()
    {
        Requires.Root();
        var binary = GoFixture.Build("pausetarget", GoToolchains.Newest);
        var target = new TargetProcess(binary);
        try
        {
            target.WaitForBeatAfter(2);
            using var runner = SnapshotRunner.Load(Job(target.Pid, binary));
            target.Dispose(); // SIGKILL
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (Directory.Exists($"/proc/{target.Pid}") && DateTime.UtcNow < deadline) Thread.Sleep(10);
            var e = Assert.Throws<TargetProcessException>(() => runner.Run());
            Assert.Contains(target.Pid.ToString(), e.Message);
        }
        finally
        {
            target.Dispose(); // idempotent; also when the runner failed to load
        }
    }

}
