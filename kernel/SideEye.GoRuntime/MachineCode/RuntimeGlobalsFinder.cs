using Iced.Intel;
using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;

namespace SideEye.GoRuntime.MachineCode;

/// <summary>
/// Finds the runtime globals a snapshot starts from in a binary without DWARF or symbols, from the machine code of
/// the runtime functions that use them (the pclntab still names every function). Each is recognised by what the
/// code does with it, not by byte patterns, so register allocation and instruction choice may vary between releases:
/// <list type="bullet">
/// <item>runtime.allgadd appends to allgs (reads allgs, allgs+8 and allgs+16: pointer, length, capacity) and then
/// stores len(allgs) to allglen atomically (XCHG of the value loaded from allgs+8).</item>
/// <item>runtime.waitReason.String bounds-checks its byte against len(waitReasonStrings) (CMP then an unsigned
/// branch) and indexes the array through a register holding its address.</item>
/// </list>
/// Anything ambiguous is an error naming the function, never a guess.
/// </summary>
public static class RuntimeGlobalsFinder
{
    const string AllGAdd = "runtime.allgadd";
    const string WaitReasonString = "runtime.waitReason.String";

    /// <summary>Addresses of runtime.allgs (the slice header) and runtime.allglen.</summary>
    public static (ulong AllGs, ulong AllGLen) FindAllGs(ElfImage image, GoPclntab pclntab)
    {
        var code = FunctionCode.Decode(image, Function(image, pclntab, AllGAdd));
        var accessed = code.Accesses.Select(a => a.Address).OfType<ulong>().ToHashSet();
        var slices = accessed.Where(x => accessed.Contains(x + 8) && accessed.Contains(x + 16)).ToList();
        if (slices.Count != 1)
            throw Unrecognised(image, AllGAdd, $"expected one slice header appended to (pointer, length and capacity read), found {slices.Count}");
        var allgs = slices[0];

        var stores = code.Accesses
            .Where(a => a.Instruction.Mnemonic == Mnemonic.Xchg && a.Address is { } target && target != allgs + 8
                        && StoredRegister(a.Instruction) is { } source && a.Sources.TryGetValue(source, out var from) && from == allgs + 8)
            .Select(a => a.Address!.Value).Distinct().ToList();
        if (stores.Count != 1)
            throw Unrecognised(image, AllGAdd, $"expected one atomic store of len(allgs), found {stores.Count}");
        return (allgs, stores[0]);
    }

    /// <summary>Address and length of runtime.waitReasonStrings, the [N]string g.waitreason indexes.</summary>
    public static (ulong Address, int Count) FindWaitReasonStrings(ElfImage image, GoPclntab pclntab)
    {
        var code = FunctionCode.Decode(image, Function(image, pclntab, WaitReasonString));
        var accesses = code.Accesses;
        int? count = null;
        for (var i = 0; i + 1 < accesses.Count && count is null; i++)
        {
            var compare = accesses[i].Instruction;
            if (compare.Mnemonic != Mnemonic.Cmp || compare.Op0Kind != OpKind.Register || !IsImmediate(compare.Op1Kind)) continue;
            var limit = (long)compare.GetImmediate(1);
            // w < N is in range: JB/JAE compare with N itself, JBE/JA with N-1.
            count = accesses[i + 1].Instruction.ConditionCode switch
            {
                ConditionCode.b or ConditionCode.ae => (int)limit,
                ConditionCode.be or ConditionCode.a => (int)limit + 1,
                _ => null,
            };
        }
        var arrays = accesses.Where(a => a.Instruction.Mnemonic == Mnemonic.Mov && a.Instruction.MemoryIndex != Register.None && a.BaseAddress is not null)
            .Select(a => a.BaseAddress!.Value).Distinct().ToList();
        if (count is not (> 0 and <= byte.MaxValue + 1))
            throw Unrecognised(image, WaitReasonString, "no bounds check of the wait reason against the array's length");
        if (arrays.Count != 1)
            throw Unrecognised(image, WaitReasonString, $"expected one indexed array, found {arrays.Count}");
        return (arrays[0], count.Value);
    }

    static Register? StoredRegister(in Instruction xchg)
    {
        for (var i = 0; i < xchg.OpCount; i++)
            if (xchg.GetOpKind(i) == OpKind.Register && xchg.GetOpRegister(i).GetSize() == 8) return xchg.GetOpRegister(i).GetFullRegister();
        return null;
    }

    static bool IsImmediate(OpKind kind) =>
        kind is OpKind.Immediate8 or OpKind.Immediate16 or OpKind.Immediate32 or OpKind.Immediate8to16 or OpKind.Immediate8to32 or OpKind.Immediate8to64 or OpKind.Immediate32to64;

    static GoFunction Function(ElfImage image, GoPclntab pclntab, string name) =>
        pclntab.Functions.FirstOrDefault(f => f.Name == name)
        ?? throw new SideEyeException($"{image.Path}: the pclntab has no {name}, whose machine code locates the runtime's globals in a binary without DWARF");

    static SideEyeException Unrecognised(ElfImage image, string function, string what) =>
        new($"{image.Path}: {function}'s machine code does not have the shape this reader knows ({what}); the binary needs its debug info");
}
