using System.Runtime.InteropServices;
using SideEye.Bpf.Asm;
using SideEye.Bpf.Btf;
using SideEye.Bpf.Features;
using SideEye.Bpf.Links;
using SideEye.Testing;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Bpf.Tests;

[Collection(PrivilegedCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class IterTests : KernelObjectLeakCheck
{
    static int Offset(string path) => BtfSpec.Vmlinux.MemberOffset(path);

    /// <summary>For each task: bpf_seq_write(ctx->meta->seq, &amp;task->tgid, 4).</summary>
    static Instructions WriteTgids() =>
    [
        A.LoadMem(R6, R1, Offset("bpf_iter__task.meta"), Size.DW),
        A.LoadMem(R7, R1, Offset("bpf_iter__task.task"), Size.DW),
        A.JumpIfImm(JumpOp.Eq, R7, 0, "out"), // the last call has task == NULL
        A.LoadMem(R2, R7, Offset("task_struct.tgid"), Size.W),
        A.StoreMem(R10, -4, R2, Size.W),
        A.LoadMem(R1, R6, Offset("bpf_iter_meta.seq"), Size.DW),
        A.Mov64(R2, R10),
        A.Add64Imm(R2, -4),
        A.Mov64Imm(R3, 4),
        A.Call(BpfHelper.SeqWrite),
        A.Label("out"),
        A.Mov64Imm(R0, 0),
        A.Exit(),
    ];

    [Fact]
    public void Task_iterator_lists_this_process()
    {
        Requires.Root();
        var spec = new ProgramSpec("iter_tgids", ProgramType.Tracing, WriteTgids()) { AttachType = AttachType.TraceIter, AttachTo = "task" };
        using var prog = BpfProgram.Load(spec);
        using var link = IterLink.Attach(prog);
        var bytes = link.ReadAll();
        var tgids = MemoryMarshal.Cast<byte, int>(bytes).ToArray();
        Assert.Contains(Environment.ProcessId, tgids);
        // Every thread is a task: this process has several (the runtime's threads), all with our tgid.
        Assert.True(tgids.Count(t => t == Environment.ProcessId) >= 2, $"{tgids.Count(t => t == Environment.ProcessId)} threads");
        // A second pass runs the program again.
        Assert.Contains(Environment.ProcessId, MemoryMarshal.Cast<byte, int>(link.ReadAll()).ToArray());
    }

    [Fact]
    public void Task_iterator_can_be_limited_to_one_process()
    {
        Requires.Root();
        var spec = new ProgramSpec("iter_tgids", ProgramType.Tracing, WriteTgids()) { AttachType = AttachType.TraceIter, AttachTo = "task" };
        using var prog = BpfProgram.Load(spec);
        using var link = IterLink.Attach(prog, processId: Environment.ProcessId);
        var tgids = MemoryMarshal.Cast<byte, int>(link.ReadAll()).ToArray();
        Assert.NotEmpty(tgids);
        Assert.All(tgids, t => Assert.Equal(Environment.ProcessId, t));
        // One entry per thread of this process.
        Assert.Equal(Directory.GetDirectories($"/proc/{Environment.ProcessId}/task").Length, tgids.Length, tolerance: 2);
    }

    [Fact]
    public unsafe void Sleepable_task_iterator_copies_user_memory_of_a_task()
    {
        Requires.Root();
        KernelFeatures.Require(KernelFeature.SleepableTaskIterator);
        var buffer = (ulong*)NativeMemory.Alloc(8);
        try
        {
            *buffer = 0x5eed_1dea_cafe_f00dul;
            Instructions code =
            [
                A.LoadMem(R6, R1, Offset("bpf_iter__task.meta"), Size.DW),
                A.LoadMem(R7, R1, Offset("bpf_iter__task.task"), Size.DW),
                A.JumpIfImm(JumpOp.Eq, R7, 0, "out"),
                A.LoadMem(R2, R7, Offset("task_struct.pid"), Size.W),
                A.JumpIfImm(JumpOp.Ne, R2, Environment.ProcessId, "out"), // main thread only: pid == tgid
                // bpf_copy_from_user_task(dst = fp-8, size 8, user_ptr, task, flags 0)
                A.Mov64(R1, R10),
                A.Add64Imm(R1, -8),
                A.Mov64Imm(R2, 8),
                A.LoadImm64(R3, (long)buffer),
                A.Mov64(R4, R7),
                A.Mov64Imm(R5, 0),
                A.Call(BpfHelper.CopyFromUserTask),
                A.JumpIfImm(JumpOp.Ne, R0, 0, "out"),
                A.LoadMem(R1, R6, Offset("bpf_iter_meta.seq"), Size.DW),
                A.Mov64(R2, R10),
                A.Add64Imm(R2, -8),
                A.Mov64Imm(R3, 8),
                A.Call(BpfHelper.SeqWrite),
                A.Label("out"),
                A.Mov64Imm(R0, 0),
                A.Exit(),
            ];
            var spec = new ProgramSpec("iter_s_copy", ProgramType.Tracing, code) { AttachType = AttachType.TraceIter, AttachTo = "task", Sleepable = true };
            using var prog = BpfProgram.Load(spec);
            using var link = IterLink.Attach(prog);
            var bytes = link.ReadAll();
            Assert.True(bytes.Length == 8, $"{bytes.Length} bytes\n{code.Disassemble()}");
            Assert.Equal(*buffer, BitConverter.ToUInt64(bytes));
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    [Fact]
    public void Non_iterator_programs_cannot_attach_as_iterators()
    {
        Requires.Root();
        using var prog = BpfProgram.Load(new ProgramSpec("sf", ProgramType.SocketFilter, [A.Mov64Imm(R0, 0), A.Exit()]));
        Assert.Throws<ArgumentException>(() => IterLink.Attach(prog));
    }

    [Fact]
    public void Unknown_iterator_target_names_the_missing_btf_function()
    {
        Requires.Root();
        var spec = new ProgramSpec("iter_bogus", ProgramType.Tracing, [A.Mov64Imm(R0, 0), A.Exit()]) { AttachType = AttachType.TraceIter, AttachTo = "bogus" };
        var e = Assert.Throws<KernelFeatureException>(() => BpfProgram.Load(spec));
        Assert.Contains("bpf_iter_bogus", e.Message);
    }
}
