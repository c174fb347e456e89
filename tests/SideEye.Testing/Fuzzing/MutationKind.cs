namespace SideEye.Testing.Fuzzing;

/// <summary>Where a mutation changes a binary: each part of the file a reader trusts, plus anywhere and truncation.</summary>
public enum MutationKind
{
    /// <summary>Bytes flipped in the 64-byte ELF header (counts, entry sizes and offsets of both header tables).</summary>
    ElfHeader = 0,
    /// <summary>Bytes flipped in the program header table (segment offsets, addresses and sizes).</summary>
    ProgramHeaders = 1,
    /// <summary>Bytes flipped in the section header table (names, offsets, sizes, flags).</summary>
    SectionHeaders = 2,
    /// <summary>Bytes flipped in .gopclntab (header, function table, names, pc tables).</summary>
    Pclntab = 3,
    /// <summary>Bytes flipped in the .debug_* (or .zdebug_*) sections.</summary>
    Dwarf = 4,
    /// <summary>Bytes flipped in .go.buildinfo.</summary>
    BuildInfo = 5,
    /// <summary>Bytes flipped anywhere in the file.</summary>
    Random = 6,
    /// <summary>The file cut short, anywhere or just past the start of one of the parts above.</summary>
    Truncation = 7,
}
