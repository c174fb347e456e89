using System.Buffers.Binary;
using System.Text;

namespace SideEye.Testing.Fuzzing;

/// <summary>A span of file bytes: where one part of an ELF file lies.</summary>
public readonly record struct FileRegion(long Offset, long Size);

/// <summary>
/// Where the header tables and the sections a Go reader needs lie in an intact ELF64 little-endian file. Read here by
/// hand, not by SideEye's ELF reader, so the generator does not depend on the code it is testing.
/// </summary>
public sealed class ElfRegions
{
    readonly IReadOnlyDictionary<string, long> _headerOffsets;

    ElfRegions(FileRegion programHeaders, FileRegion sectionHeaders, IReadOnlyDictionary<string, FileRegion> sections, IReadOnlyDictionary<string, long> headerOffsets)
    {
        ProgramHeaders = programHeaders;
        SectionHeaders = sectionHeaders;
        Sections = sections;
        _headerOffsets = headerOffsets;
    }

    public static FileRegion ElfHeader { get; } = new(0, 64);
    public FileRegion ProgramHeaders { get; }
    public FileRegion SectionHeaders { get; }
    /// <summary>Sections with file contents, by name.</summary>
    public IReadOnlyDictionary<string, FileRegion> Sections { get; }

    /// <summary>The .debug_* and .zdebug_* sections.</summary>
    public IReadOnlyList<FileRegion> Dwarf => Sections.Where(s => s.Key.StartsWith(".debug_", StringComparison.Ordinal)
        || s.Key.StartsWith(".zdebug_", StringComparison.Ordinal)).OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Value).ToArray();

    public FileRegion? Section(string name) => Sections.TryGetValue(name, out var region) ? region : null;

    /// <summary>Where the named section's 64-byte header is in the file (to damage one field of it on purpose).</summary>
    public long SectionHeaderAt(string name) => _headerOffsets[name];

    public static ElfRegions Read(string name, byte[] file)
    {
        if (file.Length < 64 || BinaryPrimitives.ReadUInt32BigEndian(file) != 0x7f454c46 || file[4] != 2 || file[5] != 1)
            throw new ArgumentException($"{name} is not an ELF64 little-endian file");
        var header = file.AsSpan();
        var phoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
        var shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x28..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x36..]), phnum = BinaryPrimitives.ReadUInt16LittleEndian(header[0x38..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3a..]), shnum = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3c..]);
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3e..]);
        if (phoff + (long)phentsize * phnum > file.Length || shoff + (long)shentsize * shnum > file.Length || shstrndx >= shnum)
            throw new ArgumentException($"{name}: header tables lie outside the file; the generator needs an intact original");

        ReadOnlySpan<byte> SectionHeader(int i) => file.AsSpan((int)(shoff + (long)i * shentsize), shentsize);
        var names = SectionHeader(shstrndx);
        var namesAt = (long)BinaryPrimitives.ReadUInt64LittleEndian(names[0x18..]);
        var sections = new Dictionary<string, FileRegion>(StringComparer.Ordinal);
        var headerOffsets = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 1; i < shnum; i++)
        {
            var sh = SectionHeader(i);
            var nameAt = (int)(namesAt + BinaryPrimitives.ReadUInt32LittleEndian(sh));
            var nameLength = file.AsSpan(nameAt).IndexOf((byte)0);
            var sectionName = Encoding.ASCII.GetString(file, nameAt, nameLength);
            headerOffsets.TryAdd(sectionName, shoff + (long)i * shentsize);
            const uint NoBits = 8;
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) == NoBits) continue;
            var offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x20..]);
            if (size > 0) sections.TryAdd(sectionName, new FileRegion(offset, size));
        }
        return new ElfRegions(new FileRegion(phoff, (long)phentsize * phnum), new FileRegion(shoff, (long)shentsize * shnum), sections, headerOffsets);
    }
}
