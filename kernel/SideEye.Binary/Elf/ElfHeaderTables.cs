using System.Buffers.Binary;
using System.Text;

namespace SideEye.Binary.Elf;

/// <summary>
/// Checks an ELF64 little-endian file's program and section header tables, and the sizes and counts they give, against
/// the file itself before LibObjectFile reads them: it allocates what a symbol table's size or a note's name size says
/// before it compares them with the file, so one flipped byte there ran the process out of memory.
/// </summary>
static class ElfHeaderTables
{
    const int ProgramHeaderSize = 56;
    const int SectionHeaderSize = 64;
    const int NoteHeaderSize = 12;
    /// <summary>e_shstrndx's escape: the real index is in section 0's sh_link.</summary>
    const int SectionIndexEscape = 0xffff;

    // Section types whose entries LibObjectFile reads one by one, with the entry size the ELF64 ABI fixes for each.
    const uint TypeSymbolTable = 2, TypeRelocationsWithAddends = 4, TypeNote = 7, TypeNoBits = 8, TypeRelocations = 9, TypeDynamicSymbols = 11;

    public static void Check(string path, ReadOnlySpan<byte> file)
    {
        var length = (ulong)file.Length;
        BinaryFormatException Bad(string problem, long offset, string table = "ELF header") => new(path, problem, table, offset);

        var phoff = BinaryPrimitives.ReadUInt64LittleEndian(file[0x20..]);
        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(file[0x28..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[0x36..]), phnum = BinaryPrimitives.ReadUInt16LittleEndian(file[0x38..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[0x3a..]), shnum = BinaryPrimitives.ReadUInt16LittleEndian(file[0x3c..]);
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(file[0x3e..]);

        if (phnum > 0)
        {
            if (phentsize != ProgramHeaderSize) throw Bad($"program header size {phentsize}, not {ProgramHeaderSize}", 0x36);
            if (!Fits(phoff, (ulong)phnum * ProgramHeaderSize, length))
                throw Bad($"{phnum} program headers at offset 0x{phoff:x} extend past the end of the file ({length} bytes)", 0x20);
            for (var i = 0; i < phnum; i++)
            {
                var ph = file.Slice((int)phoff + i * ProgramHeaderSize, ProgramHeaderSize);
                var offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
                var size = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
                if (size > 0 && !Fits(offset, size, length))
                    throw Bad($"segment {i} (0x{size:x} bytes at offset 0x{offset:x}) extends past the end of the file ({length} bytes)", (long)phoff + i * ProgramHeaderSize, "program headers");
            }
        }

        if (shoff == 0 && shnum == 0) return;
        if (shentsize != SectionHeaderSize) throw Bad($"section header size {shentsize}, not {SectionHeaderSize}", 0x3a);
        if (!Fits(shoff, SectionHeaderSize, length)) throw Bad($"section headers at offset 0x{shoff:x} lie past the end of the file ({length} bytes)", 0x28);
        var first = file.Slice((int)shoff, SectionHeaderSize);
        // More than 0xff00 sections: e_shnum is 0 and section 0's sh_size holds the count.
        var count = shnum != 0 ? (ulong)shnum : BinaryPrimitives.ReadUInt64LittleEndian(first[0x20..]);
        if (count > (length - shoff) / SectionHeaderSize)
            throw Bad($"{count} section headers at offset 0x{shoff:x} extend past the end of the file ({length} bytes)", 0x28);
        var names = shstrndx == SectionIndexEscape ? BinaryPrimitives.ReadUInt32LittleEndian(first[0x28..]) : (uint)shstrndx;
        if (count > 0 && names >= count) throw Bad($"section name table index {names} is not one of the {count} sections", 0x3e);

        var table = new SectionTable(shoff, names);
        for (ulong i = 1; i < count; i++)
        {
            var sh = table.Header(file, i);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            var size = BinaryPrimitives.ReadUInt64LittleEndian(sh[0x20..]);
            var link = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var alignment = BinaryPrimitives.ReadUInt64LittleEndian(sh[0x30..]);
            var entrySize = BinaryPrimitives.ReadUInt64LittleEndian(sh[0x38..]);
            var headerAt = (long)(shoff + i * SectionHeaderSize);
            if (link >= count) throw new BinaryFormatException(path, $"section header links to section {link}, not one of the {count} sections", table.Name(file, i), headerAt);
            if (type == TypeNoBits || type == 0 || size == 0) continue;
            if (!Fits(offset, size, length))
                throw new BinaryFormatException(path, $"section (0x{size:x} bytes at offset 0x{offset:x}) extends past the end of the file ({length} bytes; truncated?)", table.Name(file, i), headerAt);
            var expectedEntrySize = type switch
            {
                TypeSymbolTable or TypeDynamicSymbols or TypeRelocationsWithAddends => 24UL,
                TypeRelocations => 16UL,
                _ => 0UL,
            };
            if (expectedEntrySize != 0 && entrySize != expectedEntrySize)
                throw new BinaryFormatException(path, $"entry size {entrySize}, not {expectedEntrySize}", table.Name(file, i), headerAt);
            if (type == TypeNote) CheckNotes(path, table.Name(file, i), file.Slice((int)offset, (int)size), (long)offset, alignment == 8 ? 8u : 4u);
        }
    }

    /// <summary>Where the section headers are, to find one and its name (or "section N" when the name cannot be read).</summary>
    readonly record struct SectionTable(ulong Offset, ulong NameSection)
    {
        public ReadOnlySpan<byte> Header(ReadOnlySpan<byte> file, ulong i) => file.Slice((int)(Offset + i * SectionHeaderSize), SectionHeaderSize);

        public string Name(ReadOnlySpan<byte> file, ulong i)
        {
            var names = Header(file, NameSection);
            var namesOffset = BinaryPrimitives.ReadUInt64LittleEndian(names[0x18..]);
            var namesSize = BinaryPrimitives.ReadUInt64LittleEndian(names[0x20..]);
            var at = BinaryPrimitives.ReadUInt32LittleEndian(Header(file, i));
            if (!Fits(namesOffset, namesSize, (ulong)file.Length) || at >= namesSize) return $"section {i}";
            var name = file.Slice((int)(namesOffset + at), (int)(namesSize - at));
            var end = name.IndexOf((byte)0);
            return end <= 0 ? $"section {i}" : Encoding.ASCII.GetString(name[..end]);
        }
    }

    /// <summary>
    /// Each note's name and descriptor must lie inside its section. In an 8-aligned section (.note.gnu.property) the
    /// descriptor and the next note start on 8-byte boundaries, elsewhere on 4-byte ones.
    /// </summary>
    static void CheckNotes(string path, string section, ReadOnlySpan<byte> notes, long sectionOffset, uint alignment)
    {
        var at = 0UL;
        var length = (ulong)notes.Length;
        while (length - at >= NoteHeaderSize)
        {
            var note = notes[(int)at..];
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(note);
            var descriptorSize = BinaryPrimitives.ReadUInt32LittleEndian(note[4..]);
            var descriptorAt = Align(NoteHeaderSize + (ulong)nameSize, alignment);
            var end = descriptorAt + descriptorSize;
            if (end > length - at)
                throw new BinaryFormatException(path, $"note with a {nameSize}-byte name and a {descriptorSize}-byte descriptor runs past its section", section, sectionOffset + (long)at);
            at += Math.Min(Align(end, alignment), length - at);
        }
    }

    static ulong Align(ulong size, uint alignment) => (size + alignment - 1) & ~((ulong)alignment - 1);

    /// <summary>Whether size bytes from offset lie inside a file of length bytes (without overflowing).</summary>
    static bool Fits(ulong offset, ulong size, ulong length) => offset <= length && size <= length - offset;
}
