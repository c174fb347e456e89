namespace SideEye.Binary.Elf;

/// <summary>One entry of .symtab.</summary>
public readonly record struct ElfSymbolInfo(string Name, ulong Value, ulong Size, ElfSymbolKind Kind, string? Section);

public enum ElfSymbolKind
{
    Other = 0,
    /// <summary>STT_OBJECT</summary>
    Object = 1,
    /// <summary>STT_FUNC</summary>
    Function = 2,
}
