using SideEye.Bpf.Asm;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Bpf.Tests.Asm;

/// <summary>
/// Every builder against the bytes worked out by hand from include/uapi/linux/bpf.h and bpf_common.h:
/// opcode = class | source/size | op/mode; byte 1 = src &lt;&lt; 4 | dst; then s16 offset, s32 immediate, little endian.
/// </summary>
public sealed class EncodingTests
{
    // (name, instruction, label distance for jumps (-1 = no label), expected hex)
    public static TheoryData<string, Instruction, int, string> Cases => new()
    {
        // BPF_ALU64 0x07 | BPF_MOV 0xb0 | BPF_X 0x08 = 0xbf; src r10, dst r1 → 0xa1
        { "mov64 reg", A.Mov64(R1, R10), -1, "bfa1000000000000" },
        // BPF_ALU64 | BPF_MOV | BPF_K = 0xb7
        { "mov64 imm", A.Mov64Imm(R0, 1), -1, "b700000001000000" },
        // BPF_ALU 0x04 | BPF_MOV | BPF_K = 0xb4
        { "mov32 imm", A.Mov32Imm(R2, -1), -1, "b4020000ffffffff" },
        // BPF_ALU64 | BPF_ADD 0x00 | BPF_K = 0x07, imm -8
        { "add64 imm", A.Add64Imm(R1, -8), -1, "07010000f8ffffff" },
        // BPF_ALU64 | BPF_ADD | BPF_X = 0x0f
        { "add64 reg", A.Add64(R3, R4), -1, "0f43000000000000" },
        // BPF_ALU64 | BPF_SUB 0x10 | BPF_K = 0x17
        { "sub64 imm", A.Sub64Imm(R5, 16), -1, "1705000010000000" },
        // BPF_ALU64 | BPF_RSH 0x70 | BPF_K = 0x77
        { "rsh64 imm", A.Rsh64Imm(R0, 32), -1, "7700000020000000" },
        // BPF_ALU64 | BPF_LSH 0x60 | BPF_K = 0x67
        { "lsh64 imm", A.Lsh64Imm(R0, 3), -1, "6700000003000000" },
        // BPF_ALU64 | BPF_AND 0x50 | BPF_K = 0x57
        { "and64 imm", A.And64Imm(R6, 0xff), -1, "57060000ff000000" },
        // BPF_ALU64 | BPF_NEG 0x80 = 0x87
        { "neg64", A.Neg64(R7), -1, "8707000000000000" },
        // BPF_ALU | BPF_XOR 0xa0 | BPF_X = 0xac
        { "xor32 reg", A.Alu32(AluOp.Xor, R1, R2), -1, "ac21000000000000" },
        // BPF_LDX 0x01 | BPF_MEM 0x60 | BPF_DW 0x18 = 0x79, src r1 dst r0 → 0x10, off 8
        { "ldx dw", A.LoadMem(R0, R1, 8, Size.DW), -1, "7910080000000000" },
        // BPF_LDX | BPF_MEM | BPF_W 0x00 = 0x61
        { "ldx w", A.LoadMem(R2, R6, 4, Size.W), -1, "6162040000000000" },
        // BPF_LDX | BPF_MEM | BPF_H 0x08 = 0x69
        { "ldx h", A.LoadMem(R2, R6, 2, Size.H), -1, "6962020000000000" },
        // BPF_LDX | BPF_MEM | BPF_B 0x10 = 0x71
        { "ldx b", A.LoadMem(R2, R6, 1, Size.B), -1, "7162010000000000" },
        // BPF_STX 0x03 | BPF_MEM | BPF_DW = 0x7b, src r1 dst r10 → 0x1a, off -8
        { "stx dw", A.StoreMem(R10, -8, R1, Size.DW), -1, "7b1af8ff00000000" },
        // BPF_ST 0x02 | BPF_MEM | BPF_W = 0x62
        { "st w imm", A.StoreImm(R10, -4, 7, Size.W), -1, "620afcff07000000" },
        // BPF_STX | BPF_ATOMIC 0xc0 | BPF_DW = 0xdb, imm = BPF_ADD (0)
        { "atomic add dw", A.AtomicAdd(R1, 0, R2, Size.DW), -1, "db21000000000000" },
        // BPF_STX | BPF_ATOMIC | BPF_W = 0xc3
        { "atomic add w", A.AtomicAdd(R1, 4, R2, Size.W), -1, "c321040000000000" },
        // BPF_LD 0x00 | BPF_IMM 0x00 | BPF_DW = 0x18, two slots, high half in the second imm
        { "ld imm64", A.LoadImm64(R1, 0x1122334455667788), -1, "1801000088776655" + "0000000044332211" },
        // BPF_JMP 0x05 | BPF_CALL 0x80 = 0x85, imm = helper id 130
        { "call helper", A.Call(BpfHelper.RingbufOutput), -1, "8500000082000000" },
        // BPF_JMP | BPF_EXIT 0x90 = 0x95
        { "exit", A.Exit(), -1, "9500000000000000" },
        // BPF_JMP | BPF_JGT 0x20 | BPF_X = 0x2d, src r2 dst r1, off +3
        { "jgt reg", A.JumpIf(JumpOp.Gt, R1, R2, "t"), 3, "2d21030000000000" },
        // BPF_JMP | BPF_JEQ 0x10 | BPF_K = 0x15
        { "jeq imm", A.JumpIfImm(JumpOp.Eq, R0, 0, "t"), 1, "1500010000000000" },
        // BPF_JMP | BPF_JSLT 0xc0 | BPF_K = 0xc5
        { "jslt imm", A.JumpIfImm(JumpOp.SLt, R3, -1, "t"), 2, "c5030200ffffffff" },
        // BPF_JMP32 0x06 | BPF_JNE 0x50 | BPF_K = 0x56
        { "jne32 imm", A.Jump32IfImm(JumpOp.Ne, R1, 5, "t"), 0, "5601000005000000" },
        // BPF_JMP | BPF_JA 0x00 = 0x05
        { "ja", A.Jump("t"), 2, "0500020000000000" },
        // BPF_JMP | BPF_CALL with src = BPF_PSEUDO_CALL (1): imm is the relative slot
        { "pseudo call", A.CallLabel("t"), 4, "8510000004000000" },
        // BPF_LD | BPF_IMM | BPF_DW with src = BPF_PSEUDO_FUNC (4): imm = target - (first slot + 1)
        { "func ptr", A.LoadFuncPtr(R2, "t"), 2, "1842000002000000" + "0000000000000000" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Builder_matches_uapi_encoding(string name, Instruction ins, int distance, string hex)
    {
        var program = new Instructions { ins };
        if (distance >= 0)
        {
            // Fillers of one slot each put the label `distance` slots after the slot following the instruction.
            for (var i = 0; i < distance - (ins.Width - 1); i++) program.Add(A.Mov64Imm(R0, 0));
            program.Add(A.Label("t"));
            program.Add(A.Exit());
        }
        var bytes = program.ToBytes()[..(ins.Width * 8)];
        Assert.True(Convert.ToHexStringLower(bytes) == hex, $"{name}: got {Convert.ToHexStringLower(bytes)}, want {hex}\n{program.Disassemble()}");
    }

    [Fact]
    public void Map_pointer_load_carries_fd_in_pseudo_map_fd()
    {
        // A resolved map reference: src = BPF_PSEUDO_MAP_FD (1), imm = fd.
        var ins = A.LoadMapPtr(R1, "events") with { MapName = null, Constant = 5 };
        Assert.Equal("1811000005000000" + "0000000000000000", Convert.ToHexStringLower(new Instructions { ins }.ToBytes()));
    }

    [Fact]
    public void Map_value_load_carries_fd_then_offset()
    {
        // src = BPF_PSEUDO_MAP_VALUE (2); first imm = fd 5, second imm = offset 8.
        var ins = A.LoadMapValue(R1, "config", 8) with { MapName = null };
        ins = ins with { Constant = ins.Constant | 5 };
        Assert.Equal("1821000005000000" + "0000000008000000", Convert.ToHexStringLower(new Instructions { ins }.ToBytes()));
    }

    [Fact]
    public void Unresolved_map_name_cannot_be_encoded()
    {
        var e = Assert.Throws<ArgumentException>(() => new Instructions { A.LoadMapPtr(R1, "events"), A.Exit() }.ToBytes());
        Assert.Contains("events", e.Message);
    }
}
