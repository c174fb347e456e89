namespace SideEye.Testing.Fuzzing;

/// <summary>One field of an ELF64 header entry: its offset in the entry and its width in bytes.</summary>
public readonly record struct HeaderField(string Name, int Offset, int Width);

/// <summary>The fields of the ELF64 file header, program header and section header, where a reader takes sizes and offsets from.</summary>
public static class HeaderFields
{
    public static IReadOnlyList<HeaderField> ElfHeader { get; } =
    [
        new("e_entry", 0x18, 8), new("e_phoff", 0x20, 8), new("e_shoff", 0x28, 8), new("e_flags", 0x30, 4), new("e_ehsize", 0x34, 2),
        new("e_phentsize", 0x36, 2), new("e_phnum", 0x38, 2), new("e_shentsize", 0x3a, 2), new("e_shnum", 0x3c, 2), new("e_shstrndx", 0x3e, 2),
    ];

    public const int ProgramHeaderSize = 56;

    public static IReadOnlyList<HeaderField> ProgramHeader { get; } =
    [
        new("p_type", 0, 4), new("p_flags", 4, 4), new("p_offset", 8, 8), new("p_vaddr", 16, 8), new("p_paddr", 24, 8),
        new("p_filesz", 32, 8), new("p_memsz", 40, 8), new("p_align", 48, 8),
    ];

    public const int SectionHeaderSize = 64;

    public static IReadOnlyList<HeaderField> SectionHeader { get; } =
    [
        new("sh_name", 0, 4), new("sh_type", 4, 4), new("sh_flags", 8, 8), new("sh_addr", 16, 8), new("sh_offset", 24, 8),
        new("sh_size", 32, 8), new("sh_link", 40, 4), new("sh_info", 44, 4), new("sh_addralign", 48, 8), new("sh_entsize", 56, 8),
    ];
}
