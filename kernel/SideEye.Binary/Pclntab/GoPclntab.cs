using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using SideEye.Binary.Elf;

namespace SideEye.Binary.Pclntab;

/// <summary>
/// Go's own PC tables (<c>.gopclntab</c>): the function table, pc→file/line and inline trees. They survive
/// <c>-ldflags=-s -w</c>, so this symbolizes stripped binaries the way <c>go tool addr2line</c> and
/// <c>runtime.CallersFrames</c> do. Reads the Go 1.18+ formats; everything is bounds-checked and corrupt
/// data raises <see cref="BinaryFormatException"/>.
/// </summary>
public sealed class GoPclntab
{
    /// <summary>runtime PCDATA_InlTreeIndex: pc → index into the function's inline tree (or -1).</summary>
    const int PcDataInlTreeIndex = 2;
    /// <summary>runtime FUNCDATA_InlTree: the function's array of inlinedCall records.</summary>
    const int FuncDataInlTree = 3;
    /// <summary>Inlining depth is small in practice; this bound turns a corrupt, cyclic tree into an error.</summary>
    const int MaxInlineDepth = 1000;

    readonly ElfImage _image;
    readonly ReadOnlyMemory<byte> _table;
    readonly string _section;
    readonly long _tableStartInSection;
    readonly PclntabHeader _header;
    readonly ulong _textStart;
    readonly uint[] _entryOffsets;
    readonly GoFunction[] _functions;
    readonly string?[] _fileNameByCuIndex;
    readonly bool _elideShapesInFrames;
    readonly int _inlinedCallSize;
    IReadOnlyList<string>? _files;
    readonly System.Collections.Concurrent.ConcurrentDictionary<uint, PcValueCheckpoints> _checkpoints = new();

    GoPclntab(ElfImage image, ReadOnlyMemory<byte> table, string section, long tableStartInSection, ulong tableAddress)
    {
        _image = image;
        _table = table;
        _section = section;
        _tableStartInSection = tableStartInSection;
        _header = PclntabHeader.Parse(image.Path, table.Span, section, tableStartInSection);
        Address = tableAddress;
        GoVersion = Elf.GoBuildInfo.TryRead(image)?.GoVersion;

        var moduleData = ModuleDataLocator.Find(image, _header, tableAddress);
        // Go 1.26 no longer fills pcHeader.textStart; moduledata.text is the runtime's own source of truth,
        // and addr2line falls back to the .text section address, which is the same place.
        _textStart = moduleData?.Text ?? (_header.TextStart != 0 ? _header.TextStart : image.FindSection(".text")?.Address ?? 0);
        (_entryOffsets, _functions) = ReadFunctions();
        _fileNameByCuIndex = new string?[(_header.FileTabOffset - _header.CuOffset) / 4];
        ModuleData = moduleData ?? new GoModuleData(0, tableAddress, FunctionStart, FunctionEnd, _textStart, FunctionEnd,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        // The inlinedCall record lost its parent/file/line fields in Go 1.20 (same release as the new magic).
        _inlinedCallSize = _header.FormatVersion == 1 ? 20 : 16;
        // Since Go 1.21 runtime.Frame.Function prints generic shapes as "[...]" (runtime.funcNameForPrint).
        _elideShapesInFrames = GoBuildVersion.Minor(GoVersion) is { } minor ? minor >= 21 : _header.FormatVersion >= 2;
    }

    /// <summary>
    /// Reads the Go pclntab of an ELF image: the .gopclntab section, or for other layouts the table that
    /// runtime.firstmoduledata points at. Returns null when the binary has no Go pclntab at all.
    /// </summary>
    public static GoPclntab? Load(ElfImage image)
    {
        if (image.FindSection(".gopclntab") is { HasFileData: true } section)
            return new GoPclntab(image, image.RawSectionData(section), section.Name, 0, section.Address);

        ulong? address = null;
        if (image.Symbols.FirstOrDefault(s => s.Name == "runtime.firstmoduledata") is { Name: not null } md)
            address = image.ReadPointer(md.Value);
        if (address is null && image.Symbols.FirstOrDefault(s => s.Name == "runtime.pclntab") is { Name: not null } pt)
            address = pt.Value;
        if (address is { } known && Containing(image, known) is { } owner)
            return new GoPclntab(image, image.RawSectionData(owner)[(int)(known - owner.Address)..], owner.Name, (long)(known - owner.Address), known);

        return ScanForTable(image);
    }

    static ElfSectionInfo? Containing(ElfImage image, ulong address) =>
        image.Sections.FirstOrDefault(s => (s.Flags & ElfSectionInfo.FlagAlloc) != 0 && s.HasFileData && s.Contains(address));

    /// <summary>Without section or symbols: look for a pcHeader in read-only data that a moduledata points at.</summary>
    static GoPclntab? ScanForTable(ElfImage image)
    {
        foreach (var section in image.Sections)
        {
            if ((section.Flags & ElfSectionInfo.FlagAlloc) == 0 || (section.Flags & ElfSectionInfo.FlagExecInstr) != 0 || !section.HasFileData) continue;
            var data = image.RawSectionData(section);
            // The linker aligns the pcHeader; checking each 8-byte boundary is cheap even for large rodata.
            for (var at = 0; at + PclntabHeader.Size <= data.Length; at += 8)
            {
                if (!PclntabHeader.LooksLikeHeader(data.Span[at..])) continue;
                var address = section.Address + (ulong)at;
                try
                {
                    var header = PclntabHeader.Parse(image.Path, data.Span[at..], section.Name, at);
                    if (ModuleDataLocator.Find(image, header, address) is null) continue;
                }
                catch (BinaryFormatException) { continue; }
                return new GoPclntab(image, data[at..], section.Name, at, address);
            }
        }
        return null;
    }

    /// <summary>1 for the Go 1.18–1.19 table (magic 0xfffffff0), 2 for Go 1.20+ (0xfffffff1).</summary>
    public int FormatVersion => _header.FormatVersion;
    public string GoVersionRange => _header.GoVersionRange;
    /// <summary>runtime.buildVersion from .go.buildinfo (e.g. "go1.22.2"), if present.</summary>
    public string? GoVersion { get; }
    /// <summary>Virtual address of the pcHeader.</summary>
    public ulong Address { get; }
    public int PcQuantum => _header.Quantum;
    public GoModuleData ModuleData { get; }
    /// <summary>All functions, sorted by entry.</summary>
    public IReadOnlyList<GoFunction> Functions => _functions;
    ulong FunctionStart => _textStart + _entryOffsets[0];
    ulong FunctionEnd => _textStart + _entryOffsets[^1];

    /// <summary>Every file name in the file table, in table order.</summary>
    public IReadOnlyList<string> Files => _files ??= ReadFiles();

    /// <summary>
    /// abi.FuncIDWrapper of this binary's release: the last FuncID of every release's enumeration, so the
    /// largest one in the table (every program has autogenerated wrappers).
    /// </summary>
    public byte WrapperFuncId => _wrapperFuncId ??= _functions.Length == 0 ? (byte)0 : _functions.Max(f => f.FuncId);
    byte? _wrapperFuncId;

    public bool IsWrapper(GoFunction function) => function.FuncId != 0 && function.FuncId == WrapperFuncId;

    public GoFunction? FindFunction(ulong pc)
    {
        var i = FunctionIndex(pc);
        return i < 0 ? null : _functions[i];
    }

    /// <summary>
    /// What <c>go tool addr2line</c> prints for pc: the physical function containing it and the innermost
    /// file:line (pcfile/pcln describe inlined code too). A PC in no function gives <see cref="SourceLocation.Unknown"/>.
    /// </summary>
    public SourceLocation Lookup(ulong pc)
    {
        var i = FunctionIndex(pc);
        if (i < 0) return SourceLocation.Unknown;
        var f = _functions[i];
        var (file, line) = FileLine(f, pc);
        return new SourceLocation(f.Name, file ?? "", line);
    }

    /// <summary>
    /// The frames <c>runtime.CallersFrames</c> expands pc into, innermost first: the inlined callees at pc,
    /// each with its own file:line, up to the physical function, whose line is the outermost call site.
    /// Pass a call's return address minus one, as the runtime does.
    /// </summary>
    public IReadOnlyList<SourceLocation> LookupInlined(ulong pc)
    {
        var i = FunctionIndex(pc);
        if (i < 0) return [SourceLocation.Unknown];
        var f = _functions[i];
        var inlineTree = FuncData(f, FuncDataInlTree);
        var frames = new List<SourceLocation>(4);
        for (var depth = 0; depth < MaxInlineDepth; depth++)
        {
            var index = inlineTree is null ? -1 : PcDataValue(f, PcDataInlTreeIndex, pc);
            var (file, line) = FileLine(f, pc);
            // runtime.funcline1 (non-strict) reports an unknown position as "?":0.
            if (file is null || line == -1) (file, line) = ("?", 0);
            if (index < 0)
            {
                frames.Add(new SourceLocation(NameForFrames(f.Name), file, line, IsWrapper(f)));
                return frames;
            }
            var (nameOffset, parentPc, funcId) = ReadInlinedCall(inlineTree!.Value, index);
            frames.Add(new SourceLocation(NameForFrames(ReadFunctionName(nameOffset)), file, line, funcId != 0 && funcId == WrapperFuncId));
            // The parent's position is that of an instruction at the call site.
            pc = f.Entry + (ulong)(uint)parentPc;
        }
        throw Bad($"inline tree of {f.Name} nests deeper than {MaxInlineDepth} (cyclic?)", _header.FuncTabOffset);
    }

    /// <summary>The pcsp value at pc: bytes the function's frame has grown by (0 at entry), or -1 if pc is in no function.</summary>
    public int SpDelta(ulong pc)
    {
        var i = FunctionIndex(pc);
        if (i < 0) return -1;
        var f = _functions[i];
        return PcValue(f.Record.PcSp, f, pc);
    }

    /// <summary>Generic shape names the way runtime.Frame.Function shows them on this binary's Go release.</summary>
    string NameForFrames(string name) => _elideShapesInFrames ? GoFunctionNames.ForPrint(name) : name;

    int FunctionIndex(ulong pc)
    {
        if (pc < _textStart) return -1;
        var offset = pc - _textStart;
        var entries = _entryOffsets;
        if (offset < entries[0] || offset >= entries[^1]) return -1;
        var off = (uint)offset;
        // Last function whose entry is <= pc (upper bound over entries[0..nfunc) minus one).
        int lo = 0, hi = entries.Length - 1;
        while (lo < hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            if (entries[mid] <= off) lo = mid + 1; else hi = mid;
        }
        return lo - 1;
    }

    /// <summary>File (null when pcfile has no value) and line (-1 when pcln has none) at pc, as debug/gosym computes them.</summary>
    (string? File, int Line) FileLine(GoFunction f, ulong pc)
    {
        var fileNumber = PcValue(f.Record.PcFile, f, pc);
        var line = PcValue(f.Record.PcLine, f, pc);
        return (fileNumber < 0 ? null : FileName(f.Record.CuOffset, fileNumber), line);
    }

    /// <summary>
    /// The file of index <paramref name="fileNumber"/> in compilation unit <paramref name="cuOffset"/>, as
    /// debug/gosym (go tool addr2line) finds it: the cutab index is computed in 32 bits, so the C and assembly
    /// functions an internally linked cgo program carries, whose compilation unit is ^0, wrap around to some file
    /// of the first unit, and an index still outside cutab is an empty name (gosym recovers from that).
    /// </summary>
    string FileName(uint cuOffset, int fileNumber)
    {
        var index = unchecked(cuOffset + (uint)fileNumber);
        if (index >= (uint)_fileNameByCuIndex.Length) return "";
        if (_fileNameByCuIndex[index] is { } cached) return cached;
        var fileOffset = BinaryPrimitives.ReadUInt32LittleEndian(_table.Span[(_header.CuOffset + (int)index * 4)..]);
        // ^0 marks a file the CU does not use; debug/gosym prints it as an empty name.
        var name = fileOffset == uint.MaxValue ? "" : ReadString(_header.FileTabOffset, _header.PcTabOffset, fileOffset, "filetab");
        _fileNameByCuIndex[index] = name;
        return name;
    }

    /// <summary>
    /// Decodes a pc-value table up to targetPc: pairs of varints (zig-zag value delta, pc delta in
    /// quanta), the value starting at -1 and the table ending at a zero value delta after the first pair.
    /// Returns -1 when targetPc lies past the table's last range, exactly like runtime and debug/gosym.
    /// </summary>
    int PcValue(uint tableOffset, GoFunction f, ulong targetPc)
    {
        var pctab = _table.Span[_header.PcTabOffset.._header.FuncTabOffset];
        if (tableOffset >= (uint)pctab.Length) throw Bad($"pc-value table offset 0x{tableOffset:x} is outside pctab", _header.PcTabOffset);
        var entry = f.Entry;
        var pos = (int)tableOffset;
        var value = -1;
        var pc = entry;
        if (f.End - entry >= CheckpointedFunctionSize)
            Checkpoints(pctab, tableOffset).Seek(entry, targetPc, ref pos, ref pc, ref value);
        var quantum = (uint)_header.Quantum;
        // Every step consumes at least two bytes, so the table's length bounds the loop.
        while (true)
        {
            var first = pc == entry;
            var encoded = ReadVarint(pctab, ref pos);
            if (encoded == 0 && !first) return -1;
            var delta = (encoded & 1) != 0 ? (int)~(encoded >> 1) : (int)(encoded >> 1);
            pc += ReadVarint(pctab, ref pos) * quantum;
            value = unchecked(value + delta);
            if (targetPc < pc) return value;
        }
    }

    /// <summary>Functions at least this many bytes long get their pc-value tables checkpointed on first use.</summary>
    const ulong CheckpointedFunctionSize = 256;

    PcValueCheckpoints Checkpoints(ReadOnlySpan<byte> pctab, uint tableOffset)
    {
        if (_checkpoints.TryGetValue(tableOffset, out var known)) return known;
        // Walk the whole table once (relative to a zero entry), saving the decoder state at loop heads.
        var states = new List<(ulong, int, int)>();
        var pos = (int)tableOffset;
        var value = -1;
        var pc = 0ul;
        var quantum = (uint)_header.Quantum;
        for (var step = 0; ; step++)
        {
            if (step % PcValueCheckpoints.Interval == 0) states.Add((pc, pos, value));
            var encoded = ReadVarint(pctab, ref pos);
            if (encoded == 0 && pc != 0) break;
            var delta = (encoded & 1) != 0 ? (int)~(encoded >> 1) : (int)(encoded >> 1);
            pc += ReadVarint(pctab, ref pos) * quantum;
            value = unchecked(value + delta);
        }
        return _checkpoints.GetOrAdd(tableOffset, PcValueCheckpoints.Build(states));
    }

    uint ReadVarint(ReadOnlySpan<byte> pctab, ref int pos)
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if ((uint)pos >= (uint)pctab.Length) throw Bad("pc-value table runs past the end of pctab", _header.PcTabOffset + pos);
            var b = pctab[pos++];
            result |= (uint)(b & 0x7f) << shift;
            if (b < 0x80) return result;
        }
        throw Bad("pc-value varint longer than 5 bytes", _header.PcTabOffset + pos);
    }

    /// <summary>runtime.pcdatavalue: -1 when the function has no such table (offset 0 means "none").</summary>
    int PcDataValue(GoFunction f, int table, ulong pc)
    {
        if ((uint)table >= f.Record.PcDataCount) return -1;
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(_table.Span[(f.Record.PcDataStart + 4 * table)..]);
        return offset == 0 ? -1 : PcValue(offset, f, pc);
    }

    /// <summary>runtime.funcdata: the address of funcdata[index] (an offset from moduledata.gofunc), or null.</summary>
    ulong? FuncData(GoFunction f, int index)
    {
        if (index >= f.Record.FuncDataCount) return null;
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(_table.Span[(f.Record.FuncDataStart + 4 * index)..]);
        if (offset == uint.MaxValue) return null;
        if (!ModuleData.Found)
            throw new BinaryFormatException(_image.Path, "runtime.firstmoduledata not found, so funcdata (inline trees) cannot be located", _section);
        return ModuleData.GoFunc + offset;
    }

    /// <summary>
    /// One inlinedCall. Go 1.18–1.19: parent int16, funcID, pad, file, line, func_ (name offset), parentPc.
    /// Go 1.20+: funcID, 3 pad, nameOff, parentPc, startLine.
    /// </summary>
    (int NameOffset, int ParentPc, byte FuncId) ReadInlinedCall(ulong tree, int index)
    {
        Span<byte> record = stackalloc byte[20];
        record = record[.._inlinedCallSize];
        if (!_image.TryReadAt(tree + (ulong)index * (ulong)_inlinedCallSize, record))
            throw Bad($"inline tree entry {index} at 0x{tree:x} is outside the binary's memory image", _header.FuncTabOffset);
        return _header.FormatVersion == 1
            ? (BinaryPrimitives.ReadInt32LittleEndian(record[12..]), BinaryPrimitives.ReadInt32LittleEndian(record[16..]), record[2])
            : (BinaryPrimitives.ReadInt32LittleEndian(record[4..]), BinaryPrimitives.ReadInt32LittleEndian(record[8..]), record[0]);
    }

    string ReadFunctionName(int nameOffset)
    {
        if (nameOffset < 0) throw Bad($"function name offset {nameOffset} is negative", _header.FuncNameOffset);
        return ReadString(_header.FuncNameOffset, _header.CuOffset, (uint)nameOffset, "funcnametab");
    }

    /// <summary>A NUL-terminated string at offset within the table [start, end).</summary>
    string ReadString(int start, int end, uint offset, string tableName)
    {
        var span = _table.Span[start..end];
        if (offset >= (uint)span.Length) throw Bad($"{tableName} offset 0x{offset:x} is outside the table", start);
        var rest = span[(int)offset..];
        var length = rest.IndexOf((byte)0);
        if (length < 0) throw Bad($"{tableName} string at 0x{offset:x} is not terminated", start + offset);
        return Encoding.UTF8.GetString(rest[..length]);
    }

    (uint[] Entries, GoFunction[] Functions) ReadFunctions()
    {
        var span = _table.Span;
        var funcTab = span[_header.FuncTabOffset..];
        var count = _header.FunctionCount;
        if (count == 0) throw Bad("pclntab has no functions", 8);
        var entries = new uint[count + 1];
        for (var i = 0; i <= count; i++)
        {
            entries[i] = BinaryPrimitives.ReadUInt32LittleEndian(funcTab[(8 * i)..]);
            if (i > 0 && entries[i] < entries[i - 1])
                throw Bad($"function table is not sorted at entry {i}", _header.FuncTabOffset + 8 * i);
        }
        var headerSize = _header.FormatVersion == 1 ? 40 : 44;
        var functions = new GoFunction[count];
        var names = new Dictionary<int, string>();
        for (var i = 0; i < count; i++)
        {
            var funcOffset = BinaryPrimitives.ReadUInt32LittleEndian(funcTab[(8 * i + 4)..]);
            if (funcOffset > (uint)(funcTab.Length - headerSize))
                throw Bad($"_func offset 0x{funcOffset:x} of function {i} is outside the function table", _header.FuncTabOffset + 8 * i + 4);
            var rec = funcTab[(int)funcOffset..];
            if (U32(rec, 0) != entries[i])
                throw Bad($"_func of function {i} has entry 0x{U32(rec, 0):x}, the function table says 0x{entries[i]:x}", _header.FuncTabOffset + funcOffset);
            var nameOffset = (int)U32(rec, 4);
            var pcDataCount = U32(rec, 28);
            var (startLine, funcId, flags, funcDataCount) = _header.FormatVersion == 1
                ? ((int?)null, rec[36], rec[37], rec[39])
                : ((int?)(int)U32(rec, 36), rec[40], rec[41], rec[43]);
            var pcDataStart = (long)_header.FuncTabOffset + funcOffset + headerSize;
            var funcDataStart = pcDataStart + 4L * pcDataCount;
            if (funcDataStart + 4L * funcDataCount > span.Length)
                throw Bad($"pcdata/funcdata arrays of function {i} run past the table", _header.FuncTabOffset + funcOffset);
            if (!names.TryGetValue(nameOffset, out var name)) names[nameOffset] = name = ReadFunctionName(nameOffset);
            var record = new FuncRecord(U32(rec, 16), U32(rec, 20), U32(rec, 24), U32(rec, 32), (int)pcDataStart, pcDataCount, (int)funcDataStart, funcDataCount);
            functions[i] = new GoFunction(i, name, _textStart + entries[i], _textStart + entries[i + 1], funcId, (GoFuncFlags)flags,
                startLine, (int)U32(rec, 8), record);
        }
        return (entries, functions);
    }

    static uint U32(ReadOnlySpan<byte> record, int at) => BinaryPrimitives.ReadUInt32LittleEndian(record[at..]);

    IReadOnlyList<string> ReadFiles()
    {
        var files = new List<string>(_header.FileCount);
        var fileTab = _table.Span[_header.FileTabOffset.._header.PcTabOffset];
        var offset = 0;
        for (var i = 0; i < _header.FileCount && offset < fileTab.Length; i++)
        {
            var length = fileTab[offset..].IndexOf((byte)0);
            if (length < 0) throw Bad($"filetab string at 0x{offset:x} is not terminated", _header.FileTabOffset + offset);
            files.Add(Encoding.UTF8.GetString(fileTab.Slice(offset, length)));
            offset += length + 1;
        }
        return files;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    BinaryFormatException Bad(string problem, long tableOffset) =>
        new(_image.Path, problem, _section, _tableStartInSection + tableOffset);
}
