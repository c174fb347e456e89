namespace SideEye.Binary.Pclntab;

/// <summary>
/// One entry of the pclntab function table (the runtime's <c>_func</c>). <see cref="End"/> is the next
/// function's entry, as both the runtime and debug/gosym define it.
/// </summary>
public sealed class GoFunction
{
    internal GoFunction(int index, string name, ulong entry, ulong end, byte funcId, GoFuncFlags flags, int? startLine, int argsSize, in FuncRecord record)
    {
        Index = index;
        Name = name;
        Entry = entry;
        End = end;
        FuncId = funcId;
        Flags = flags;
        StartLine = startLine;
        ArgsSize = argsSize;
        Record = record;
    }

    /// <summary>Position in the function table (sorted by entry).</summary>
    public int Index { get; }
    /// <summary>The linker symbol name, e.g. <c>main.generic[go.shape.string]</c>.</summary>
    public string Name { get; }
    public ulong Entry { get; }
    public ulong End { get; }
    /// <summary>abi.FuncID: non-zero for runtime functions the unwinder treats specially. Numbering is per Go release.</summary>
    public byte FuncId { get; }
    public GoFuncFlags Flags { get; }
    /// <summary>Line of the <c>func</c> keyword / TEXT directive; only recorded since Go 1.20.</summary>
    public int? StartLine { get; }
    /// <summary>Size in bytes of the arguments and results, or a negative marker for unknown sizes.</summary>
    public int ArgsSize { get; }

    internal FuncRecord Record { get; }

    public bool Contains(ulong pc) => Entry <= pc && pc < End;
    public override string ToString() => $"{Name} [0x{Entry:x}, 0x{End:x})";
}
