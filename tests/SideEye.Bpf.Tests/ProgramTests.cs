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
    public void Global_function_called_from_a_loop_callback_works_on_map_values()
    {
        Requires.Root();
        using var sums = BpfMap.Load(new MapSpec("sums", MapType.Array, 4, 16, 1));
        Instructions code =
        [
            A.Mov64Imm(R1, 10),
            A.LoadFuncPtr(R2, "each"),
            A.Mov64Imm(R3, 0),                  // no context: the callee addresses the map value itself
            A.Mov64Imm(R4, 0),
            A.Call(BpfHelper.Loop),
            A.LoadMapValue(R1, "sums", 0),
            A.LoadMem(R0, R1, 0, Size.DW),
            A.Exit(),
            A.Label("each"),                    // static callback: calls the global function, returns 0 or 1
            A.CallLabel("add_index"),
            A.And64Imm(R0, 1),
            A.Exit(),
            A.GlobalFunction("add_index", 1),   // u64 add_index(u64 i): sums[0] += i, sums[1] = i
            A.LoadMapValue(R2, "sums", 0),
            A.LoadMem(R3, R2, 0, Size.DW),
            A.Add64(R3, R1),
            A.StoreMem(R2, 0, R3, Size.DW),
            A.StoreMem(R2, 8, R1, Size.DW),
            A.Mov64Imm(R0, 0),
            A.Exit(),
        ];
        using var prog = BpfProgram.Load(new ProgramSpec("global_sum", ProgramType.SocketFilter, code), new Dictionary<string, BpfMap> { ["sums"] = sums });
        Assert.Equal(45u, prog.TestRun(Packet).ReturnValue);
        Assert.NotNull(prog.Stats);
        Assert.InRange(prog.Stats!.ProcessedInstructions, 1, 1000);
        Assert.Equal(3, prog.Stats.StackDepths.Count);
    }

    [Fact]
    public void Global_function_is_verified_once_whatever_its_call_sites()
    {
        Requires.Root();
        // The same 100-instruction body called from 32 places: static, the verifier walks it again for each call
        // site (a state is never pruned against one from another call site); global, once.
        static Instructions Program(bool global)
        {
            var c = new Instructions();
            for (var k = 0; k < 32; k++)
            {
                c.Add(A.Mov64Imm(R1, k));
                c.Add(A.CallLabel("body"));
            }
            c.Add(A.Mov64Imm(R0, 0));
            c.Add(A.Exit());
            c.Add(global ? A.GlobalFunction("body", 1) : A.Label("body"));
            c.Add(A.Mov64(R0, R1));
            for (var b = 0; b < 100; b++) c.Add(A.Alu64Imm(AluOp.Xor, R0, b));
            c.Add(A.Mov64Imm(R0, 0));
            c.Add(A.Exit());
            return c;
        }
        using var viaStatic = BpfProgram.Load(new ProgramSpec("static_calls", ProgramType.SocketFilter, Program(false)));
        using var viaGlobal = BpfProgram.Load(new ProgramSpec("global_calls", ProgramType.SocketFilter, Program(true)));
        var s = viaStatic.Stats!.ProcessedInstructions;
        var g = viaGlobal.Stats!.ProcessedInstructions;
        Assert.True(g * 10 < s, $"global: {g} insns processed, static: {s}");
        Assert.Equal(0u, viaGlobal.TestRun(Packet).ReturnValue);
    }

    [Fact]
    public void Global_function_cannot_be_the_entry_point()
    {
        var spec = new ProgramSpec("bad_entry", ProgramType.SocketFilter, [A.GlobalFunction("f", 0), A.Mov64Imm(R0, 0), A.Exit()]);
        Assert.Throws<ArgumentException>(() => BpfProgram.Load(spec));
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
