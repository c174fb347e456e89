using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Info;

namespace SideEye.Binary.Dwarf.Line;

/// <summary>
/// The decoded line program of one unit (.debug_line, versions 2–5). Rows are kept compactly and sorted by
/// sequence start so <see cref="Find"/> is a binary search.
/// </summary>
public sealed class DwarfLineTable
{
    internal struct Row
    {
        public ulong Address;
        public int File;
        public int Line;
        public int Column;
        public bool IsStatement;
        public bool EndSequence;
    }

    readonly Row[] _rows;

    DwarfLineTable(int version, string?[] files, string[] directories, Row[] rows)
    {
        Version = version;
        FileNames = files;
        Directories = directories;
        _rows = rows;
    }

    public int Version { get; }
    /// <summary>File names by the index used in DW_AT_decl_file and the line program (index 0 is null before DWARF 5).</summary>
    public IReadOnlyList<string?> FileNames { get; }
    public IReadOnlyList<string> Directories { get; }
    public int RowCount => _rows.Length;

    public DwarfLineRow RowAt(int i)
    {
        var r = _rows[i];
        return new DwarfLineRow(r.Address, FileName(r.File) ?? "?", r.Line, r.Column, r.IsStatement, r.EndSequence);
    }

    public IEnumerable<DwarfLineRow> Rows => Enumerable.Range(0, _rows.Length).Select(RowAt);

    public string? FileName(long index) => index >= 0 && index < FileNames.Count ? FileNames[(int)index] : null;

    /// <summary>The row whose address range [row, next row) holds <paramref name="pc"/>; null when no sequence covers it.</summary>
    public DwarfLineRow? Find(ulong pc)
    {
        int lo = 0, hi = _rows.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_rows[mid].Address <= pc) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        if (found < 0 || _rows[found].EndSequence || found + 1 >= _rows.Length) return null;
        return RowAt(found);
    }

    internal static DwarfLineTable Parse(DwarfSections sections, DwarfCompileUnit unit, ulong offset)
    {
        var section = sections.Line;
        if (offset >= (ulong)section.Length) throw section.Error($"line program offset 0x{offset:x} outside the section", (long)Math.Min(offset, int.MaxValue));
        var r = section.ReaderAt((long)offset);
        var length = r.InitialLength(out var is64);
        var end = r.UnitEnd(length);
        r = section.ReaderAt(r.Position, end);
        var version = r.U16();
        if (version is < 2 or > 5) throw section.Error($"unsupported line table version {version}", (long)offset);
        var addressSize = unit.AddressSize;
        if (version >= 5)
        {
            addressSize = r.U8();
            r.U8(); // segment selector size
            if (addressSize is not (4 or 8)) throw section.Error($"unsupported address size {addressSize}", (long)offset);
        }
        var headerLength = r.Offset(is64);
        if (headerLength > (ulong)r.Remaining) throw r.Error("line header length runs past the unit");
        var programStart = r.Position + (int)headerLength;
        var minInstLength = r.U8();
        if (version >= 4) r.U8(); // maximum operations per instruction: VLIW only
        var defaultIsStmt = r.U8() != 0;
        var lineBase = (sbyte)r.U8();
        var lineRange = r.U8();
        var opcodeBase = r.U8();
        if (lineRange == 0) throw r.Error("line_range is zero");
        if (opcodeBase == 0) throw r.Error("opcode_base is zero");
        var standardLengths = r.Bytes(opcodeBase - 1).ToArray();

        var dirs = new List<string>();
        var files = new List<string?>();
        if (version >= 5)
        {
            foreach (var e in ReadEntryTable(ref r, sections, unit, is64)) dirs.Add(e.Path ?? "");
            // DWARF 5 entries always join with their directory (Go's debug/dwarf does the same).
            foreach (var e in ReadEntryTable(ref r, sections, unit, is64))
            {
                var dir = e.Dir < (ulong)dirs.Count ? dirs[(int)e.Dir] : throw r.Error($"directory index {e.Dir} out of range");
                files.Add(e.Path is { Length: > 0 } p ? PathJoin(dir, p) : e.Path);
            }
        }
        else
        {
            var compDir = unit.CompDir ?? "";
            dirs.Add(compDir);
            while (true)
            {
                var d = r.CString();
                if (d.Length == 0) break;
                dirs.Add(d.StartsWith('/') ? d : PathJoin(compDir, d));
            }
            files.Add(null); // DWARF 2–4 file numbers start at 1
            while (true)
            {
                var name = r.CString();
                if (name.Length == 0) break;
                var dir = r.Uleb();
                r.Uleb(); r.Uleb(); // modification time, length
                files.Add(Join(dirs, dir, name));
            }
        }

        r.Position = programStart;
        var rows = RunProgram(ref r, version, dirs, files, addressSize, minInstLength, defaultIsStmt, lineBase, lineRange, opcodeBase, standardLengths);
        return new DwarfLineTable(version, files.ToArray(), dirs.ToArray(), rows);
    }

    /// <summary>DWARF 2–4 file entry: relative names are relative to their include directory (0 = comp dir).</summary>
    static string Join(List<string> dirs, ulong dirIndex, string name)
    {
        if (name.StartsWith('/')) return name;
        var dir = dirIndex < (ulong)dirs.Count ? dirs[(int)dirIndex] : "";
        return PathJoin(dir, name);
    }

    /// <summary>Joins and cleans like Go's path.Join, so names match what Go's own tools print.</summary>
    internal static string PathJoin(string dir, string name)
    {
        if (dir.Length == 0) return name;
        if (name.Length == 0) return dir;
        var joined = dir + "/" + name;
        var rooted = joined.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in joined.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
                else if (!rooted) parts.Add("..");
                continue;
            }
            parts.Add(part);
        }
        var result = string.Join('/', parts);
        return rooted ? "/" + result : result.Length == 0 ? "." : result;
    }

    /// <summary>A DWARF 5 directory or file-name table: entry formats, then entries.</summary>
    static List<(string? Path, ulong Dir)> ReadEntryTable(ref DwarfReader r, DwarfSections sections, DwarfCompileUnit unit, bool is64)
    {
        var formatCount = r.U8();
        var formats = new (ulong Content, DwarfForm Form)[formatCount];
        for (var i = 0; i < formatCount; i++)
        {
            var content = r.Uleb();
            var form = r.Uleb();
            if (form > ushort.MaxValue || !DwarfFormSizes.IsKnown((DwarfForm)form)) throw r.Error($"unknown form 0x{form:x} in line header");
            formats[i] = (content, (DwarfForm)form);
        }
        var count = r.Uleb();
        if (count > (ulong)r.Remaining) throw r.Error($"implausible entry count {count}");
        var result = new List<(string?, ulong)>((int)count);
        for (ulong n = 0; n < count; n++)
        {
            string? path = null;
            ulong dir = 0;
            foreach (var (content, form) in formats)
            {
                var at = r.Position;
                ulong value = 0;
                string? text = null;
                switch (form)
                {
                    case DwarfForm.String: text = r.CString(); break;
                    case DwarfForm.LineStrp: text = DwarfCompileUnit.StringAt(sections.LineStr, r.Offset(is64)); break;
                    case DwarfForm.Strp: text = DwarfCompileUnit.StringAt(sections.Str, r.Offset(is64)); break;
                    case DwarfForm.Strx or DwarfForm.Strx1 or DwarfForm.Strx2 or DwarfForm.Strx3 or DwarfForm.Strx4:
                        var idx = form switch { DwarfForm.Strx1 => r.U8(), DwarfForm.Strx2 => r.U16(), DwarfForm.Strx3 => r.U24(), DwarfForm.Strx4 => r.U32(), _ => r.Uleb() };
                        text = unit.ReadString(new DwarfValue(form, idx, 0, 0));
                        break;
                    case DwarfForm.Udata: value = r.Uleb(); break;
                    case DwarfForm.Data1: value = r.U8(); break;
                    case DwarfForm.Data2: value = r.U16(); break;
                    case DwarfForm.Data4: value = r.U32(); break;
                    case DwarfForm.Data8: value = r.U64(); break;
                    case DwarfForm.Data16: r.Skip(16); break;
                    case DwarfForm.Block: r.Skip((long)Math.Min(r.Uleb(), int.MaxValue)); break;
                    default: throw r.Section.Error($"form {form} not allowed in a line header", at);
                }
                if (content == 1) path = text; // DW_LNCT_path
                else if (content == 2) dir = value; // DW_LNCT_directory_index
            }
            result.Add((path, dir));
        }
        return result;
    }

    static Row[] RunProgram(ref DwarfReader r, int version, List<string> dirs, List<string?> files, int addressSize,
                            byte minInstLength, bool defaultIsStmt, sbyte lineBase, byte lineRange, byte opcodeBase, byte[] standardLengths)
    {
        var sequences = new List<(ulong Start, Row[] Rows)>();
        var current = new List<Row>();
        var state = Initial();
        Row Initial() => new() { File = 1, Line = 1, IsStatement = defaultIsStmt };

        void Emit(ref Row s)
        {
            current.Add(s);
        }

        while (!r.AtEnd)
        {
            var op = r.U8();
            if (op >= opcodeBase)
            {
                var adjusted = op - opcodeBase;
                state.Address += (ulong)(adjusted / lineRange * minInstLength);
                state.Line += lineBase + adjusted % lineRange;
                Emit(ref state);
                continue;
            }
            switch (op)
            {
                case 0:
                {
                    var len = r.Uleb();
                    if (len == 0 || len > (ulong)r.Remaining) throw r.Error($"bad extended opcode length {len}");
                    var next = r.Position + (int)len;
                    var ext = r.U8();
                    switch (ext)
                    {
                        case 1: // DW_LNE_end_sequence
                            state.EndSequence = true;
                            Emit(ref state);
                            if (current.Count > 0) sequences.Add((current[0].Address, current.ToArray()));
                            current.Clear();
                            state = Initial();
                            break;
                        case 2: state.Address = r.Address(len - 1 == 4 ? 4 : addressSize); break; // DW_LNE_set_address
                        case 3: // DW_LNE_define_file (DWARF 2–4)
                            var name = r.CString();
                            var dir = r.Uleb();
                            files.Add(Join(dirs, dir, name));
                            break;
                    }
                    r.Position = next; // also skips DW_LNE_set_discriminator and vendor opcodes
                    break;
                }
                case 1: Emit(ref state); break; // DW_LNS_copy
                case 2: state.Address += r.Uleb() * minInstLength; break;
                case 3: state.Line += (int)r.Sleb(); break;
                case 4: state.File = (int)Math.Min(r.Uleb(), int.MaxValue); break;
                case 5: state.Column = (int)Math.Min(r.Uleb(), int.MaxValue); break;
                case 6: state.IsStatement = !state.IsStatement; break;
                case 7: break; // basic_block
                case 8: state.Address += (ulong)((255 - opcodeBase) / lineRange * minInstLength); break;
                case 9: state.Address += r.U16(); break;
                case 10 or 11: break; // prologue_end, epilogue_begin
                default:
                    // Unknown standard opcode: skip its ULEB operands as the header declares.
                    for (var i = 0; i < standardLengths[op - 1]; i++) r.Uleb();
                    break;
            }
        }
        sequences.Sort((a, b) => a.Start.CompareTo(b.Start));
        var total = sequences.Sum(s => s.Rows.Length);
        var rows = new Row[total];
        var at = 0;
        foreach (var (_, seq) in sequences)
        {
            seq.CopyTo(rows, at);
            at += seq.Length;
        }
        return rows;
    }
}
