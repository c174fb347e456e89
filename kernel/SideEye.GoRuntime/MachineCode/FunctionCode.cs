using Iced.Intel;
using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;

namespace SideEye.GoRuntime.MachineCode;

/// <summary>
/// One function's x86-64 instructions, decoded by Iced, with the address each memory operand refers to where it can
/// be known without running the code: RIP-relative operands, and operands based on a register that an earlier LEA of
/// a RIP-relative address filled (Go's atomics take the address in a register: LEAQ runtime.allglen(SB), DX;
/// XCHGQ CX, (DX)). Also remembers, per instruction, which global a register was last loaded from, so a store can be
/// traced to the value it writes.
/// </summary>
public sealed class FunctionCode
{
    FunctionCode(GoFunction function, IReadOnlyList<Access> accesses)
    {
        Function = function;
        Accesses = accesses;
    }

    public GoFunction Function { get; }
    /// <summary>Every instruction in order, with its memory operand's address when known.</summary>
    public IReadOnlyList<Access> Accesses { get; }

    /// <summary>An instruction; <see cref="Address"/> is its memory operand's address when known, <see cref="BaseAddress"/>
    /// the address its memory operand's base register holds when known (also with an index: an array's start), and
    /// <see cref="Sources"/> says for each register which global it was last loaded from (MOVQ X(SB), reg).</summary>
    public sealed record Access(Instruction Instruction, ulong? Address, ulong? BaseAddress, IReadOnlyDictionary<Register, ulong> Sources);

    /// <summary>
    /// The return address of every direct call from <paramref name="caller"/> to <paramref name="callee"/>: where a
    /// goroutine's frame of the caller stands while the callee runs. Empty when either function is not in the binary
    /// or the call is not a direct one.
    /// </summary>
    public static IReadOnlyList<ulong> ReturnAddressesOfCalls(ElfImage image, GoPclntab pclntab, string caller, string callee)
    {
        var from = pclntab.Functions.FirstOrDefault(f => f.Name == caller);
        var to = pclntab.Functions.FirstOrDefault(f => f.Name == callee);
        if (from is null || to is null || from.End - from.Entry is 0 or > MaxBytes) return [];
        return Decode(image, from).Accesses.Select(a => a.Instruction)
            .Where(i => i.FlowControl == FlowControl.Call && i.IsCallNear && i.NearBranchTarget == to.Entry)
            .Select(i => i.NextIP).ToArray();
    }

    /// <summary>Function bodies longer than this are not what this reader is for (the runtime functions it reads are short).</summary>
    public const int MaxBytes = 64 << 10;

    public static FunctionCode Decode(ElfImage image, GoFunction function)
    {
        var length = function.End - function.Entry;
        if (length is 0 or > MaxBytes)
            throw new SideEyeException($"{image.Path}: {function.Name} is {length} bytes long, not a function this reader decodes");
        var bytes = new byte[length];
        if (!image.TryReadAt(function.Entry, bytes))
            throw new SideEyeException($"{image.Path}: {function.Name}'s code at 0x{function.Entry:x} is not in the file");

        var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes), function.Entry);
        var addresses = new Dictionary<Register, ulong>();
        var loadedFrom = new Dictionary<Register, ulong>();
        var accesses = new List<Access>();
        while (decoder.IP < function.End)
        {
            decoder.Decode(out var instruction);
            if (instruction.IsInvalid) break; // padding or data after the last return
            var address = MemoryAddress(instruction, addresses);
            ulong? baseAddress = HasMemoryOperand(instruction) && addresses.TryGetValue(instruction.MemoryBase, out var b) ? b : null;
            accesses.Add(new Access(instruction, address, baseAddress, new Dictionary<Register, ulong>(loadedFrom)));
            Track(instruction, address, addresses, loadedFrom);
        }
        return new FunctionCode(function, accesses);
    }

    static ulong? MemoryAddress(in Instruction instruction, Dictionary<Register, ulong> addresses)
    {
        if (!HasMemoryOperand(instruction) || instruction.Mnemonic == Mnemonic.Lea && !instruction.IsIPRelativeMemoryOperand) return null;
        if (instruction.IsIPRelativeMemoryOperand) return instruction.IPRelativeMemoryAddress;
        if (instruction.MemoryIndex == Register.None && addresses.TryGetValue(instruction.MemoryBase, out var baseAddress))
            return baseAddress + instruction.MemoryDisplacement64;
        return null;
    }

    static bool HasMemoryOperand(in Instruction instruction)
    {
        for (var i = 0; i < instruction.OpCount; i++)
            if (instruction.GetOpKind(i) == OpKind.Memory) return true;
        return false;
    }

    /// <summary>Updates what registers are known to hold after <paramref name="instruction"/>.</summary>
    static void Track(in Instruction instruction, ulong? address, Dictionary<Register, ulong> addresses, Dictionary<Register, ulong> loadedFrom)
    {
        if (instruction.FlowControl is FlowControl.Call or FlowControl.IndirectCall)
        {
            // Go's register ABI leaves no register preserved across a call.
            addresses.Clear();
            loadedFrom.Clear();
            return;
        }
        foreach (var written in WrittenRegisters(instruction))
        {
            addresses.Remove(written);
            loadedFrom.Remove(written);
        }
        if (instruction.Op0Kind != OpKind.Register || address is not { } a) return;
        var target = instruction.Op0Register.GetFullRegister();
        if (instruction.Mnemonic == Mnemonic.Lea) addresses[target] = a;
        else if (instruction.Mnemonic == Mnemonic.Mov && instruction.Op0Register.GetSize() == 8) loadedFrom[target] = a;
    }

    static IEnumerable<Register> WrittenRegisters(Instruction instruction)
    {
        // Iced knows implicit writes too (MUL's RDX, string instructions' RSI/RDI/RCX).
        foreach (var used in Info.GetInfo(instruction).GetUsedRegisters())
            if (used.Access is OpAccess.Write or OpAccess.ReadWrite or OpAccess.CondWrite or OpAccess.ReadCondWrite)
                yield return used.Register.GetFullRegister();
    }

    [ThreadStatic] static InstructionInfoFactory? _info;
    static InstructionInfoFactory Info => _info ??= new InstructionInfoFactory();
}
