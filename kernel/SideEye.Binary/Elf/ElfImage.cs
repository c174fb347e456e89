using System.Buffers.Binary;
using System.IO.Compression;
using LibObjectFile.Diagnostics;
using LibObjectFile.Elf;

namespace SideEye.Binary.Elf;

/// <summary>
/// A 64-bit little-endian ELF executable held in memory. Headers are parsed by LibObjectFile; section
/// contents are served as slices of the file bytes (decompressed on first use for SHF_COMPRESSED sections).
/// </summary>
public sealed class ElfImage
{
    readonly byte[] _bytes;
    readonly Dictionary<string, ElfSectionInfo> _sectionsByName = new(StringComparer.Ordinal);
    readonly Dictionary<string, ReadOnlyMemory<byte>> _decompressed = new(StringComparer.Ordinal);
    readonly ElfSegmentInfo[] _loadSegments;

    ElfImage(string path, byte[] bytes, ElfArchitecture arch, IReadOnlyList<ElfSectionInfo> sections,
             IReadOnlyList<ElfSegmentInfo> segments, IReadOnlyList<ElfSymbolInfo> symbols, ElfImage? debugFile = null)
    {
        DebugFile = debugFile;
        Path = path;
        _bytes = bytes;
        Architecture = arch;
        Sections = sections;
        Segments = segments;
        Symbols = symbols;
        foreach (var s in sections) _sectionsByName.TryAdd(s.Name, s);
        _loadSegments = segments.Where(s => s.IsLoad).ToArray();
    }

    public string Path { get; }
    public ElfArchitecture Architecture { get; }
    public int PointerSize => 8;
    public IReadOnlyList<ElfSectionInfo> Sections { get; }
    public IReadOnlyList<ElfSegmentInfo> Segments { get; }
    /// <summary>The entries of .symtab (the separate debug file's when this image has none); empty for a binary linked with -s.</summary>
    public IReadOnlyList<ElfSymbolInfo> Symbols { get; }

    /// <summary>
    /// The separate debug file (objcopy --only-keep-debug) this image's DWARF and symbols come from, when it has none of
    /// its own; null otherwise. Code and data are still read from this image: the debug file holds only their headers.
    /// </summary>
    public ElfImage? DebugFile { get; }

    /// <summary>This executable with the DWARF and symbol table of <paramref name="debugFile"/> (found by build ID or debuglink).</summary>
    public ElfImage WithDebugFile(ElfImage debugFile)
    {
        ArgumentNullException.ThrowIfNull(debugFile);
        return new ElfImage(Path, _bytes, Architecture, Sections, Segments, Symbols.Count > 0 ? Symbols : debugFile.Symbols, debugFile);
    }

    /// <summary>Whether there is DWARF to read: in this file, or in its <see cref="DebugFile"/>.</summary>
    public bool HasDwarf => OwnDwarfSection(".debug_info") is not null || DebugFile?.HasDwarf == true;

    /// <summary>The header of a DWARF section (.debug_x or .zdebug_x) with contents, in this file or else its debug file.</summary>
    public ElfSectionInfo? FindDwarfSection(string name) => OwnDwarfSection(name) ?? DebugFile?.FindDwarfSection(name);

    ElfSectionInfo? OwnDwarfSection(string name) => FindSectionOrZdebug(name) is { HasFileData: true } section ? section : null;

    /// <summary>The named section, or for a .debug_x name its older compressed .zdebug_x form.</summary>
    ElfSectionInfo? FindSectionOrZdebug(string name) =>
        FindSection(name) ?? (name.StartsWith(".debug_", StringComparison.Ordinal) ? FindSection(".zdebug_" + name[".debug_".Length..]) : null);
    public ReadOnlyMemory<byte> FileBytes => _bytes;
    /// <summary>ET_DYN: a position-independent executable (or shared object), loaded at an address chosen at exec time.</summary>
    public bool IsPositionIndependent => _bytes.Length >= 18 && System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(16)) == 3;
    /// <summary>Where the file's first byte is meant to be mapped (lowest PT_LOAD address minus its file offset, page-aligned).</summary>
    public ulong LinkBase => _loadSegments.Length == 0 ? 0 : _loadSegments.Min(s => (s.VirtualAddress - (ulong)s.FileOffset) & ~0xfffUL);

    public static ElfImage Open(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BinaryFormatException(path, e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : $"cannot read: {e.Message}", inner: e);
        }
        return Parse(path, bytes);
    }

    public static ElfImage Parse(string path, byte[] bytes)
    {
        CheckIdentification(path, bytes);
        ElfHeaderTables.Check(path, bytes);
        ElfFile? elf;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            if (!ElfFile.TryRead(stream, out elf, out var diagnostics, new ElfReaderOptions { UseSubStream = true }) || elf is null)
            {
                var first = diagnostics?.Messages.Where(m => m.Kind == DiagnosticKind.Error).Select(m => m.Message).FirstOrDefault();
                throw new BinaryFormatException(path, $"corrupt ELF: {first ?? "unreadable headers"}");
            }
        }
        catch (BinaryFormatException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new BinaryFormatException(path, $"corrupt ELF: {e.Message}", inner: e);
        }

        var sections = new List<ElfSectionInfo>();
        var symbols = new List<ElfSymbolInfo>();
        foreach (var section in elf.Sections)
        {
            if (section is ElfNullSection || section.Name.Value is null) continue;
            // ElfHeaderTables checked that every section with contents lies inside the file.
            sections.Add(new ElfSectionInfo(section.Name.Value, (uint)section.Type, (ulong)section.Flags,
                section.VirtualAddress, (long)section.Position, (long)section.Size));
        }
        foreach (var section in elf.Sections)
        {
            if (section is not ElfSymbolTable table || table.Type != ElfSectionType.SymbolTable) continue;
            foreach (var sym in table.Entries)
            {
                if (sym.Name.Value is not { Length: > 0 } name) continue;
                var kind = sym.Type == ElfSymbolType.Function ? ElfSymbolKind.Function
                         : sym.Type == ElfSymbolType.Object ? ElfSymbolKind.Object : ElfSymbolKind.Other;
                symbols.Add(new ElfSymbolInfo(name, sym.Value, sym.Size, kind, sym.SectionLink.Section?.Name.Value));
            }
        }
        var segments = elf.Segments.Select(s => new ElfSegmentInfo((uint)s.Type.Value, (uint)s.Flags.Value, s.VirtualAddress,
            (long)s.Position, s.Size, s.SizeInMemory)).ToList();
        return new ElfImage(path, bytes, (ElfArchitecture)(ushort)elf.Arch.Value, sections, segments, symbols);
    }

    /// <summary>Rejects anything but a 64-bit little-endian executable for a supported machine, before LibObjectFile sees it.</summary>
    static void CheckIdentification(string path, byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new BinaryFormatException(path, b.Length < 4 ? "not an ELF file (too short)" : "not an ELF file");
        if (b[4] != 2)
            throw new BinaryFormatException(path, $"unsupported architecture: 32-bit ELF ({MachineName(BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(18)))})");
        if (b[5] != 1)
            throw new BinaryFormatException(path, "unsupported architecture: big-endian ELF");
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(18));
        if (machine != (ushort)ElfArchitecture.Amd64 && machine != (ushort)ElfArchitecture.Arm64)
            throw new BinaryFormatException(path, $"unsupported architecture: {MachineName(machine)} (SideEye reads amd64 and arm64)");
    }

    static string MachineName(ushort machine) => machine switch
    {
        3 => "i386",
        8 => "mips",
        20 => "ppc",
        21 => "ppc64",
        22 => "s390x",
        40 => "arm",
        62 => "amd64",
        183 => "arm64",
        243 => "riscv64",
        258 => "loong64",
        _ => $"machine 0x{machine:x}",
    };

    public ElfSectionInfo? FindSection(string name) => _sectionsByName.GetValueOrDefault(name);

    /// <summary>The section's bytes as stored in the file.</summary>
    public ReadOnlyMemory<byte> RawSectionData(ElfSectionInfo section) =>
        section.HasFileData ? _bytes.AsMemory((int)section.FileOffset, (int)section.Size) : ReadOnlyMemory<byte>.Empty;

    /// <summary>
    /// The contents of the named section, decompressed if stored with SHF_COMPRESSED (or in the older
    /// .zdebug_ form); null if the binary has no such section.
    /// </summary>
    public ReadOnlyMemory<byte>? SectionData(string name)
    {
        // Shared by every thread that plans or decodes with this binary (a fleet's agents): reads under the lock too.
        lock (_decompressed)
            if (_decompressed.TryGetValue(name, out var cached)) return cached;
        var section = FindSectionOrZdebug(name);
        // A stripped executable's DWARF is in its debug file (where this one's other sections are headers only).
        if (section is not { HasFileData: true } && DebugFile is not null && name.StartsWith(".debug_", StringComparison.Ordinal))
            return DebugFile.SectionData(name);
        if (section is null) return null;
        var data = section.IsCompressed ? Decompress(section) : RawSectionData(section);
        lock (_decompressed) return _decompressed.TryAdd(name, data) ? data : _decompressed[name];
    }

    ReadOnlyMemory<byte> Decompress(ElfSectionInfo section)
    {
        var raw = RawSectionData(section).Span;
        int headerSize;
        ulong size;
        if (section.Name.StartsWith(".zdebug_", StringComparison.Ordinal))
        {
            // "ZLIB" followed by the big-endian uncompressed size.
            if (raw.Length < 12 || !raw[..4].SequenceEqual("ZLIB"u8))
                throw new BinaryFormatException(Path, "bad .zdebug header", section.Name, section.FileOffset);
            size = BinaryPrimitives.ReadUInt64BigEndian(raw[4..]);
            headerSize = 12;
        }
        else
        {
            // Elf64_Chdr: ch_type (1 = zlib), ch_reserved, ch_size, ch_addralign.
            if (raw.Length < 24)
                throw new BinaryFormatException(Path, "truncated compression header", section.Name, section.FileOffset);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(raw);
            if (type != 1)
                throw new BinaryFormatException(Path, $"unsupported compression type {type}", section.Name, section.FileOffset);
            size = BinaryPrimitives.ReadUInt64LittleEndian(raw[8..]);
            headerSize = 24;
        }
        // zlib cannot expand more than about 1032 times.
        if (size > int.MaxValue || size > (ulong)raw.Length * 1032)
            throw new BinaryFormatException(Path, $"implausible uncompressed size {size}", section.Name, section.FileOffset);
        // The header's size is believed only as far as the data bears it out: the buffer starts at what DWARF compresses
        // to at most (about 8:1) and grows only with what zlib really gives, so a flipped size byte costs little.
        var output = new MemoryStream((int)Math.Min(size, (ulong)raw.Length * 8));
        try
        {
            using var input = new ZLibStream(new MemoryStream(_bytes, (int)section.FileOffset + headerSize, raw.Length - headerSize, writable: false), CompressionMode.Decompress);
            var chunk = new byte[64 * 1024];
            int read;
            while ((ulong)output.Length < size && (read = input.Read(chunk, 0, (int)Math.Min((ulong)chunk.Length, size - (ulong)output.Length))) > 0)
                output.Write(chunk, 0, read);
        }
        catch (InvalidDataException e)
        {
            throw new BinaryFormatException(Path, $"corrupt compressed data: {e.Message}", section.Name, section.FileOffset, e);
        }
        if ((ulong)output.Length != size)
            throw new BinaryFormatException(Path, $"compressed data ends after {output.Length} of the {size} bytes its header gives", section.Name, section.FileOffset);
        return output.GetBuffer().AsMemory(0, (int)output.Length);
    }

    /// <summary>Copies bytes from the program's initial memory image (PT_LOAD segments; bss reads as zero).</summary>
    public bool TryReadAt(ulong address, Span<byte> destination)
    {
        foreach (var seg in _loadSegments)
        {
            if (address < seg.VirtualAddress || address - seg.VirtualAddress + (ulong)destination.Length > seg.MemorySize) continue;
            var offsetInSegment = address - seg.VirtualAddress;
            destination.Clear();
            if (offsetInSegment < seg.FileSize)
            {
                var available = (int)Math.Min((ulong)destination.Length, seg.FileSize - offsetInSegment);
                var start = seg.FileOffset + (long)offsetInSegment;
                if (start < 0 || start + available > _bytes.LongLength) return false;
                _bytes.AsSpan((int)start, available).CopyTo(destination);
            }
            return true;
        }
        return false;
    }

    /// <summary>The file offset where the byte at a virtual address is stored (what a uprobe attaches to).</summary>
    public long? FileOffsetOf(ulong address)
    {
        foreach (var seg in _loadSegments)
            if (address >= seg.VirtualAddress && address - seg.VirtualAddress < seg.FileSize)
                return seg.FileOffset + (long)(address - seg.VirtualAddress);
        return null;
    }

    public ulong? ReadPointer(ulong address)
    {
        Span<byte> buf = stackalloc byte[8];
        return TryReadAt(address, buf) ? BinaryPrimitives.ReadUInt64LittleEndian(buf) : null;
    }

    /// <summary>The GNU build ID (NT_GNU_BUILD_ID) in hex, if the linker wrote one.</summary>
    public string? GnuBuildId => ReadNote(".note.gnu.build-id", "GNU", 3) is { } d ? Convert.ToHexStringLower(d) : null;

    /// <summary>
    /// The .gnu_debuglink section: the debug file's name and the CRC-32 of its contents (objcopy --add-gnu-debuglink);
    /// null when there is none.
    /// </summary>
    public (string FileName, uint Crc)? GnuDebugLink
    {
        get
        {
            if (FindSection(".gnu_debuglink") is not { HasFileData: true } section) return null;
            var data = RawSectionData(section).Span;
            var end = data.IndexOf((byte)0);
            if (end <= 0) return null;
            var crcAt = (end + 4) & ~3;
            if (crcAt + 4 > data.Length) return null;
            return (System.Text.Encoding.UTF8.GetString(data[..end]), BinaryPrimitives.ReadUInt32LittleEndian(data[crcAt..]));
        }
    }

    /// <summary>The Go build ID note (the linker's "Go" note of type 4).</summary>
    public string? GoBuildId => ReadNote(".note.go.buildid", "Go", 4) is { } d ? System.Text.Encoding.ASCII.GetString(d) : null;

    /// <summary>
    /// What names this executable in caches across machines: the GNU build ID, else the Go build ID (a Go
    /// binary linked internally has only the latter); null when it has neither.
    /// </summary>
    public string? BuildId => GnuBuildId ?? GoBuildId;

    byte[]? ReadNote(string sectionName, string owner, uint noteType)
    {
        var section = FindSection(sectionName);
        if (section is null) return null;
        var span = RawSectionData(section).Span;
        while (span.Length >= 12)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(span);
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
            // Padded in 64 bits: a size near 2^32 must not wrap round to a small one.
            var nameEnd = 12 + (((long)nameSize + 3) & ~3L);
            var descEnd = nameEnd + (((long)descSize + 3) & ~3L);
            if (descEnd > span.Length || nameEnd + descSize > span.Length) return null;
            var name = System.Text.Encoding.ASCII.GetString(span.Slice(12, (int)nameSize)).TrimEnd('\0');
            if (name == owner && type == noteType) return span.Slice((int)nameEnd, (int)descSize).ToArray();
            span = span[(int)descEnd..];
        }
        return null;
    }
}
