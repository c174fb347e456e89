using SideEye.Bpf.Asm;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Bpf.Tests.Asm;

public sealed class DisassemblyTests
{
    [Theory]
    [MemberData(nameof(Lines))]
    public void Single_instructions_print_in_verifier_syntax(Instruction ins, string text) => Assert.Equal(text, ins.ToString());

    public static TheoryData<Instruction, string> Lines => new()
    {
        { A.Mov64(R1, R10), "r1 = r10" },
        { A.Add64Imm(R1, -8), "r1 += -8" },
        { A.Mov32Imm(R0, 3), "w0 = 3" },
        { A.Rsh64Imm(R0, 32), "r0 >>= 32" },
        { A.Neg64(R2), "r2 = -r2" },
        { A.LoadMem(R0, R1, 8, Size.DW), "r0 = *(u64 *)(r1 +8)" },
        { A.StoreMem(R10, -8, R1, Size.DW), "*(u64 *)(r10 -8) = r1" },
        { A.StoreImm(R10, -4, 0, Size.W), "*(u32 *)(r10 -4) = 0" },
        { A.LoadImm64(R1, 0x10), "r1 = 0x10 ll" },
        { A.LoadMapPtr(R1, "events"), "r1 = map[events] ll" },
        { A.Call(BpfHelper.RingbufOutput), "call 130" },
        { A.Exit(), "exit" },
        { A.AtomicAdd(R1, 8, R2, Size.DW), "lock *(u64 *)(r1 +8) += r2" },
    };

    [Fact]
    public void Program_prints_slots_labels_and_resolved_jumps()
    {
        var program = new Instructions
        {
            A.JumpIf(JumpOp.Gt, R1, R2, "out"),
            A.LoadImm64(R0, 1),
            A.Label("out"),
            A.JumpIfImm(JumpOp.SGe, R3, 5, "out"),
            A.Exit(),
        };
        var expected = """
            0: (2d) if r1 > r2 goto pc+2
            1: (18) r0 = 0x1 ll
            out:
            3: (75) if r3 s>= 0x5 goto pc-1
            4: (95) exit

            """.Replace("\r", "");
        Assert.Equal(expected, program.Disassemble());
    }

    [Fact]
    public void Broken_program_still_prints_with_label_names()
    {
        var text = new Instructions { A.Jump("missing"), A.Exit() }.Disassemble();
        Assert.Contains("goto <missing>", text);
    }
}
