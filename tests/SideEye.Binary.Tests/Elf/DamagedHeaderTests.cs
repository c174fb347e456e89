using System.Buffers.Binary;
using SideEye.Binary.Elf;
using SideEye.Testing;
using SideEye.Testing.Fuzzing;

namespace SideEye.Binary.Tests.Elf;

/// <summary>
/// Sizes, counts and offsets in the ELF headers that a damaged file gets wrong: each is refused with one line naming the
/// file and what is wrong, before anything is allocated from it. LibObjectFile, which parses the headers, allocated a
/// symbol table's or a note's size before comparing it with the file, and ran the process out of memory.
/// </summary>
public class DamagedHeaderTests
{
    const string Name = "damaged";
    static readonly byte[] Original = File.ReadAllBytes(GoFixture.Build("parked", "1.26"));
    static readonly ElfRegions Regions = ElfRegions.Read(Name, Original);

    static BinaryFormatException Refused(byte[] bytes, string problem)
    {
        var e = Assert.Throws<BinaryFormatException>(() => ElfImage.Parse(Name, bytes));
        Assert.StartsWith($"{Name}: ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    static byte[] With(Action<byte[]> damage)
    {
        var bytes = (byte[])Original.Clone();
        damage(bytes);
        return bytes;
    }

    [Fact]
    public void TheIntactFileIsRead() => Assert.NotEmpty(ElfImage.Parse(Name, Original).Sections);

    /// <summary>
    /// Issue 14's "Out of memory.": six bytes of the ELF header flipped (1.26/parked, the fuzz benchmark's seed 14, #616),
    /// e_phoff and e_shoff among them; LibObjectFile took a symbol table's size from the misread section headers.
    /// </summary>
    [Fact]
    public void ProgramHeaderTableMovedBySixFlippedBytes()
    {
        var bytes = With(b => { b[0x09] = 0x3d; b[0x1b] = 0x02; b[0x1c] = 0xff; b[0x20] = 0xff; b[0x28] = 0xee; b[0x31] = 0x04; });
        var e = Refused(bytes, "segment 0");
        Assert.Equal("program headers", e.Section);
    }

    [Fact]
    public void SegmentLargerThanTheFile()
    {
        // The third program header is the first PT_LOAD: its p_filesz.
        var bytes = With(b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan((int)Regions.ProgramHeaders.Offset + 2 * 56 + 32), 0x0000_6000_0000_0100));
        Refused(bytes, "segment 2 (0x600000000100 bytes at offset 0x0) extends past the end of the file");
    }

    /// <summary>LibObjectFile read e_phentsize-sized entries and ran out of memory after 10 s (the fuzz benchmark's seed 14, #408).</summary>
    [Fact]
    public void ProgramHeaderEntrySizeIsNotTheElf64One()
    {
        var bytes = With(b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x36), 0xffff));
        Refused(bytes, "program header size 65535, not 56");
    }

    [Fact]
    public void ProgramHeaderCountPastTheFile()
    {
        var bytes = With(b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0x20), (ulong)Original.Length - 100));
        Refused(bytes, "6 program headers at offset");
    }

    [Fact]
    public void SectionHeaderCountPastTheFile()
    {
        var bytes = With(b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x3c), 0xff00));
        Refused(bytes, "65280 section headers at offset");
    }

    [Fact]
    public void SymbolTableLargerThanTheFile()
    {
        var bytes = With(b => b[Regions.SectionHeaderAt(".symtab") + 0x20 + 4] = 0x40);
        var e = Refused(bytes, "extends past the end of the file");
        Assert.Equal(".symtab", e.Section);
    }

    [Fact]
    public void SymbolTableWithAWrongEntrySize()
    {
        var bytes = With(b => b[Regions.SectionHeaderAt(".symtab") + 0x38] = 1);
        Assert.Equal(".symtab", Refused(bytes, "entry size 1, not 24").Section);
    }

    [Fact]
    public void NoteNameLargerThanItsSection()
    {
        var bytes = With(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan((int)Regions.Section(".note.go.buildid")!.Value.Offset), 0x6657_0000));
        Assert.Equal(".note.go.buildid", Refused(bytes, "note with a 1716977664-byte name").Section);
    }

    /// <summary>
    /// A note section retyped (so it is not checked as a note) with a name size near 2^32: padding it in 32 bits wrapped
    /// round to a small size and the slice threw ArgumentOutOfRangeException. The build ID is then simply not there.
    /// </summary>
    [Fact]
    public void BuildIdNoteWithANameSizeThatWrapsRound()
    {
        var bytes = With(b =>
        {
            const uint ProgBits = 1;
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan((int)Regions.SectionHeaderAt(".note.gnu.build-id") + 4), ProgBits);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan((int)Regions.Section(".note.gnu.build-id")!.Value.Offset), 0xffff_fffe);
        });
        Assert.NotNull(ElfImage.Parse(Name, Original).GnuBuildId);
        Assert.Null(ElfImage.Parse(Name, bytes).GnuBuildId);
    }

    [Fact]
    public void SectionLinkedToNoSection()
    {
        var bytes = With(b => b[Regions.SectionHeaderAt(".symtab") + 0x28] = 0xf0);
        Refused(bytes, "links to section 240");
    }
}
