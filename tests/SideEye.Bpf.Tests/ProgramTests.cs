using SideEye.Bpf.Asm;
using SideEye.Testing;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Bpf.Tests;

[Collection(PrivilegedCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class ProgramTests : KernelObjectLeakCheck
{
    /// <summary>Socket filters need at least an Ethernet header of packet data to test-run.</summary>
    static readonly byte[] Packet = new byte[64];

    [Fact]
    public void Loads_and_test_runs_returning_a_value()
    {
        Requires.Root();
        using var prog = BpfProgram.Load(new ProgramSpec("ret42", ProgramType.SocketFilter, [A.Mov64Imm(R0, 42), A.Exit()]));
        var result = prog.TestRun(Packet, repeat: 3);
        Assert.Equal(42u, result.ReturnValue);
    }

    [Fact]
    public void Test_run_writes_a_map_value()
    {
        Requires.Root();
        using var map = BpfMap.Load(new MapSpec("results", MapType.Array, 4, 8, 1));
        Instructions code =
        [
            A.StoreImm(R10, -4, 0, Size.W),          // key = 0
            A.Mov64(R2, R10), A.Add64Imm(R2, -4),
            A.LoadMapPtr(R1, "results"),
            A.Call(BpfHelper.MapLookupElem),
            A.JumpIfImm(JumpOp.Eq, R0, 0, "out"),     // the verifier insists on the null check
            A.StoreImm(R0, 0, 0x1234, Size.DW),
            A.Label("out"),
            A.Mov64Imm(R0, 7),
            A.Exit(),
        ];
        using var prog = BpfProgram.Load(new ProgramSpec("writer", ProgramType.SocketFilter, code), new Dictionary<string, BpfMap> { ["results"] = map });
        Assert.Equal(7u, prog.TestRun(Packet).ReturnValue);
        Assert.True(map.TryLookup(0u, out ulong value));
        Assert.Equal(0x1234ul, value);
    }

    [Fact]
    public void Map_value_load_reads_configuration_without_a_lookup()
    {
        Requires.Root();
        using var config = BpfMap.Load(new MapSpec("config", MapType.Array, 4, 16, 1));
        config.Update(BitConverter.GetBytes(0u), BitConverter.GetBytes(11ul).Concat(BitConverter.GetBytes(31ul)).ToArray());
        Instructions code = [A.LoadMapValue(R1, "config", 8), A.LoadMem(R0, R1, 0, Size.DW), A.Exit()];
        using var prog = BpfProgram.Load(new ProgramSpec("cfg", ProgramType.SocketFilter, code), new Dictionary<string, BpfMap> { ["config"] = config });
        Assert.Equal(31u, prog.TestRun(Packet).ReturnValue);
    }

    [Fact]
    public void Syscall_program_test_runs_on_a_context_it_can_write()
    {
        Requires.Root();
        Instructions code =
        [
            A.LoadMem(R2, R1, 0, Size.W),
            A.Add64Imm(R2, 1),
            A.StoreMem(R1, 4, R2, Size.W),
            A.Mov64(R0, R2),
            A.Exit(),
        ];
        using var prog = BpfProgram.Load(new ProgramSpec("sys_inc", ProgramType.Syscall, code) { Sleepable = true });
        var result = prog.TestRun([], context: BitConverter.GetBytes(41ul));
        Assert.Equal(42u, result.ReturnValue);
        Assert.Equal(42u, BitConverter.ToUInt32(result.DataOut, 4));
    }

    [Fact]
    public void Missing_map_in_table_is_a_caller_error()
    {
        Requires.Root();
        var spec = new ProgramSpec("nomap", ProgramType.SocketFilter, [A.LoadMapPtr(R1, "absent"), A.Mov64Imm(R0, 0), A.Exit()]);
        var e = Assert.Throws<ArgumentException>(() => BpfProgram.Load(spec));
        Assert.Contains("absent", e.Message);
    }

    [Fact]
    public void Uninitialised_register_is_rejected_with_the_verifier_log()
    {
        Requires.Root();
        var spec = new ProgramSpec("uninit", ProgramType.SocketFilter, [A.Mov64(R0, R2), A.Exit()]);
        var e = Assert.Throws<VerifierException>(() => BpfProgram.Load(spec));
        Assert.Equal("uninit", e.ProgramName);
        Assert.Equal("EACCES", e.ErrnoName);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("R2 !read_ok", e.Message);
        Assert.Contains(e.Log, l => l.Contains("R2 !read_ok"));
        Assert.Contains("R2 !read_ok", e.ToString());
    }

    [Fact]
    public void Unbounded_loop_is_rejected()
    {
        Requires.Root();
        Instructions code = [A.Mov64Imm(R0, 0), A.Label("top"), A.Jump("top")];
        var e = Assert.Throws<VerifierException>(() => BpfProgram.Load(new ProgramSpec("spin", ProgramType.SocketFilter, code)));
        Assert.True(e.Message.Contains("infinite loop detected"), e.ToString());
        Assert.True(e.Log.Count > 0, code.Disassemble());
    }

    [Fact]
    public void Bpf_loop_runs_a_callback_subprogram()
    {
        Requires.Root();
        Instructions code =
        [
            A.StoreImm(R10, -8, 0, Size.DW),   // counter on the stack, passed as the callback context
            A.Mov64Imm(R1, 25),                 // nr_loops
            A.LoadFuncPtr(R2, "body"),
            A.Mov64(R3, R10),
            A.Add64Imm(R3, -8),
            A.Mov64Imm(R4, 0),
            A.Call(BpfHelper.Loop),
            A.LoadMem(R0, R10, -8, Size.DW),
            A.Exit(),
            A.Label("body"),                    // long body(u64 index, void *ctx): *ctx += index; continue
            A.LoadMem(R3, R2, 0, Size.DW),
            A.Add64(R3, R1),
            A.StoreMem(R2, 0, R3, Size.DW),
            A.Mov64Imm(R0, 0),
            A.Exit(),
        ];
        using var prog = BpfProgram.Load(new ProgramSpec("loop_sum", ProgramType.SocketFilter, code));
        Assert.Equal((uint)Enumerable.Range(0, 25).Sum(), prog.TestRun(Packet).ReturnValue);
    }

    [Fact]
    public void Bpf_to_bpf_call_passes_arguments_and_returns()
    {
        Requires.Root();
        Instructions code =
        [
            A.Mov64Imm(R1, 21),
            A.CallLabel("twice"),
            A.Add64Imm(R0, 1),
            A.Exit(),
            A.Label("twice"),
            A.Mov64(R0, R1),
            A.Add64(R0, R1),
            A.Exit(),
        ];
        using var prog = BpfProgram.Load(new ProgramSpec("call_twice", ProgramType.SocketFilter, code));
        Assert.Equal(43u, prog.TestRun(Packet).ReturnValue);
    }

    [Fact]
    public void Long_verifier_log_grows_the_buffer_and_keeps_every_line()
    {
        Requires.Root();
        // ~3000 loop iterations with a changing counter print thousands of lines (well over the first 64 KiB)
        // before the verifier reaches the uninitialised read at the end.
        Instructions code =
        [
            A.Mov64Imm(R0, 0),
            A.Label("top"),
            A.Add64Imm(R0, 1),
            A.JumpIfImm(JumpOp.Lt, R0, 3000, "top"),
            A.Mov64(R0, R2),
            A.Exit(),
        ];
        var e = Assert.Throws<VerifierException>(() => BpfProgram.Load(new ProgramSpec("long_log", ProgramType.SocketFilter, code)));
        Assert.False(e.Truncated);
        Assert.True(e.Log.Sum(l => l.Length + 1) > BpfProgram.InitialLogSize, $"log is only {e.Log.Sum(l => l.Length + 1)} bytes");
        Assert.StartsWith("0: R1=ctx()", e.Log[0]);
        Assert.Contains("R2 !read_ok", e.Message);
        Assert.Equal(3, e.InstructionIndex);
    }
}
