using System.Buffers.Binary;

namespace SideEye.Binary.Pclntab;

/// <summary>
/// The runtime's <c>pcHeader</c>, which starts the pclntab. Go 1.18–1.19 (magic 0xfffffff0) and
/// 1.20+ (0xfffffff1) share this layout: magic, two zero pads, pc quantum, pointer size, then eight
/// pointer-sized words (nfunc, nfiles, textStart, and the offsets of the five tables from the header).
/// What changed at 1.20 is inside the tables (<c>_func.startLine</c>, the inlinedCall layout).
/// </summary>
internal sealed record PclntabHeader(
    uint Magic, int Quantum, int PointerSize, int FunctionCount, int FileCount, ulong TextStart,
    int FuncNameOffset, int CuOffset, int FileTabOffset, int PcTabOffset, int FuncTabOffset)
{
    public const uint Go118Magic = 0xfffffff0;
    public const uint Go120Magic = 0xfffffff1;
    const uint Go116Magic = 0xfffffffa;
    const uint Go12Magic = 0xfffffffb;

    public const int Size = 8 + 8 * 8;

    /// <summary>1 for Go 1.18–1.19, 2 for Go 1.20 and later.</summary>
    public int FormatVersion => Magic == Go118Magic ? 1 : 2;
    public string GoVersionRange => Magic == Go118Magic ? "1.18-1.19" : "1.20+";

    /// <summary>True when the 8 bytes look like the start of a pclntab SideEye can read (used when scanning for one).</summary>
    public static bool LooksLikeHeader(ReadOnlySpan<byte> b) =>
        b.Length >= Size && BinaryPrimitives.ReadUInt32LittleEndian(b) is Go118Magic or Go120Magic
        && b[4] == 0 && b[5] == 0 && b[6] is 1 or 2 or 4 && b[7] == 8;

    public static PclntabHeader Parse(string file, ReadOnlySpan<byte> table, string section, long sectionOffset)
    {
        BinaryFormatException Bad(string problem, long at = 0) => new(file, problem, section, sectionOffset + at);

        if (table.Length < 8) throw Bad("pclntab shorter than its header");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(table);
        switch (magic)
        {
            case Go118Magic or Go120Magic: break;
            case Go116Magic: throw Bad("pclntab magic 0xfffffffa is Go 1.16-1.17: too old, SideEye reads Go 1.18 and later");
            case Go12Magic: throw Bad("pclntab magic 0xfffffffb is Go 1.2-1.15: too old, SideEye reads Go 1.18 and later");
            default: throw Bad($"unknown pclntab magic 0x{magic:x8}");
        }
        if (table[4] != 0 || table[5] != 0) throw Bad("pclntab header padding is not zero", 4);
        int quantum = table[6], pointerSize = table[7];
        if (quantum is not (1 or 2 or 4)) throw Bad($"pclntab pc quantum {quantum} is not 1, 2 or 4", 6);
        if (pointerSize != 8) throw Bad($"pclntab pointer size {pointerSize}: only 64-bit binaries are supported", 7);
        if (table.Length < Size) throw Bad("pclntab shorter than its header");

        var words = new ulong[8];
        for (var i = 0; i < words.Length; i++) words[i] = BinaryPrimitives.ReadUInt64LittleEndian(table[(8 + 8 * i)..]);
        var length = table.Length;
        ulong Word(int i) => words[i];
        int Offset(int i, string what)
        {
            var v = Word(i);
            if (v < Size || v > (ulong)length) throw Bad($"pclntab {what} offset 0x{v:x} is outside the table", 8 + 8 * i);
            return (int)v;
        }
        var nfunc = Word(0);
        var nfiles = Word(1);
        var textStart = Word(2);
        var funcName = Offset(3, "funcnametab");
        var cu = Offset(4, "cutab");
        var fileTab = Offset(5, "filetab");
        var pcTab = Offset(6, "pctab");
        var funcTab = Offset(7, "functab");
        if (!(funcName <= cu && cu <= fileTab && fileTab <= pcTab && pcTab <= funcTab))
            throw Bad("pclntab tables are not in the order the Go linker writes them", 32);
        // Each function takes an 8-byte functab pair; the end marker adds 4 bytes.
        if (nfunc > (ulong)(table.Length - funcTab - 4) / 8) throw Bad($"pclntab claims {nfunc} functions, more than its function table holds", 8);
        if (nfiles > (ulong)(pcTab - fileTab)) throw Bad($"pclntab claims {nfiles} files, more than its file table holds", 16);
        return new PclntabHeader(magic, quantum, pointerSize, (int)nfunc, (int)nfiles, textStart, funcName, cu, fileTab, pcTab, funcTab);
    }
}
