using SideEye.Bpf.Asm;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Bpf.Tests.Asm;

public sealed class LabelTests
{
    [Fact]
    public void Offsets_count_slots_after_the_jump_including_wide_loads()
    {
        var program = new Instructions
        {
            A.JumpIfImm(JumpOp.Eq, R1, 0, "out"), // slot 0
            A.LoadImm64(R2, 1),                   // slots 1-2
            A.Mov64Imm(R0, 1),                    // slot 3
            A.Label("out"),
            A.Exit(),                             // slot 4
            A.Label("back"),
            A.Jump("back"),                       // slot 5: jumps to itself
        };
        var assembled = program.Assemble();
        Assert.Equal(3, assembled[0].Offset);
        Assert.Equal(-1, assembled[^1].Offset);
        Assert.Equal(6, program.SlotCount);
        Assert.DoesNotContain(assembled, i => i.IsLabel);
    }

    [Fact]
    public void Backward_jump_is_negative()
    {
        var program = new Instructions { A.Label("top"), A.Add64Imm(R0, 1), A.JumpIfImm(JumpOp.Lt, R0, 10, "top"), A.Exit() };
        Assert.Equal(-2, program.Assemble()[1].Offset);
    }

    [Fact]
    public void Unknown_label_is_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => new Instructions { A.Jump("nowhere"), A.Exit() }.Assemble());
        Assert.Contains("unknown label 'nowhere'", e.Message);
    }

    [Fact]
    public void Duplicate_label_is_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => new Instructions { A.Label("x"), A.Exit(), A.Label("x"), A.Exit() }.Assemble());
        Assert.Contains("duplicate label 'x'", e.Message);
    }

    [Fact]
    public void Jump_beyond_16_bits_is_an_error()
    {
        var program = new Instructions { A.Jump("far") };
        for (var i = 0; i < 40000; i++) program.Add(A.Mov64Imm(R0, 0));
        program.Add(A.Label("far"));
        program.Add(A.Exit());
        var e = Assert.Throws<ArgumentException>(() => program.Assemble());
        Assert.Contains("16-bit", e.Message);
    }

    [Fact]
    public void Calls_and_function_pointers_resolve_into_the_immediate()
    {
        var program = new Instructions
        {
            A.LoadFuncPtr(R2, "cb"), // slots 0-1
            A.CallLabel("cb"),       // slot 2
            A.Exit(),                // slot 3
            A.Label("cb"),
            A.Mov64Imm(R0, 0),       // slot 4
            A.Exit(),
        };
        var assembled = program.Assemble();
        Assert.Equal(3, assembled[0].Constant); // the kernel adds imm to the slot after the load's first half
        Assert.Equal(1, assembled[1].Constant);
        Assert.Equal(0, assembled[1].Offset);
    }

    [Fact]
    public void Memory_offsets_beyond_16_bits_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => A.LoadMem(R0, R1, 40000, Size.DW));
        Assert.Equal(-32768, A.StoreMem(R10, short.MinValue, R1, Size.DW).Offset);
    }
}
