using System.Buffers.Binary;
using System.Text;
using SideEye.Bpf.Internal.Linux;
using SideEye.Bpf.Internal.Sys;

namespace SideEye.Bpf.Btf;

/// <summary>
/// The smallest BTF a program with subprograms needs: the verifier wants a FUNC record for the main program and
/// every subprogram before it accepts callbacks such as bpf_loop's (otherwise: "missing btf func_info"). Static
/// functions get the prototype "int f(void)"; a global one (linkage 1) gets "u64 f(u64, …)" with its argument
/// count, which is all the verifier knows of its callers when it checks it. Builds the blob, loads it
/// (BPF_BTF_LOAD) and the matching func_info array.
/// </summary>
internal static unsafe class FuncInfoBtf
{
    const int HeaderSize = 24;
    const uint IntType = 1, VoidProto = 2, U64Type = 3, FirstGlobalProto = 4;
    const int MaxArgs = 5;
    const int GlobalLinkage = 1;

    /// <summary>
    /// Raw BTF: 1 = INT "int", 2 = FUNC_PROTO int(void), 3 = INT "u64", 4..9 = FUNC_PROTO u64(u64 × 0..5), then one
    /// FUNC per entry (ids from <see cref="FuncTypeId"/>).
    /// </summary>
    public static byte[] Build(IReadOnlyList<(string Name, int? GlobalArgs)> functions)
    {
        var strings = new MemoryStream();
        strings.WriteByte(0);
        uint Str(string s)
        {
            var off = (uint)strings.Length;
            var bytes = Encoding.ASCII.GetBytes(s);
            strings.Write(bytes);
            strings.WriteByte(0);
            return off;
        }

        var types = new List<uint>();
        // INT "int": size 4, encoding SIGNED (1 << 24), 32 bits.
        types.AddRange([Str("int"), Info(BtfKind.Int, 0), 4, (1u << 24) | 32]);
        // FUNC_PROTO returning type 1, no parameters.
        types.AddRange([0, Info(BtfKind.FuncProto, 0), IntType]);
        // INT "u64": size 8, unsigned, 64 bits.
        types.AddRange([Str("u64"), Info(BtfKind.Int, 0), 8, 64]);
        // FUNC_PROTO u64(u64 a0, …) for every argument count: a global function's arguments must be named.
        for (var n = 0; n <= MaxArgs; n++)
        {
            types.AddRange([0, Info(BtfKind.FuncProto, n), U64Type]);
            for (var a = 0; a < n; a++) types.AddRange([Str($"a{a}"), U64Type]);
        }
        // FUNC: vlen holds the linkage (0 = static, 1 = global); type = the prototype.
        foreach (var (name, globalArgs) in functions)
            types.AddRange(globalArgs is { } n
                ? [Str(Identifier(name)), Info(BtfKind.Func, GlobalLinkage), FirstGlobalProto + (uint)n]
                : [Str(Identifier(name)), Info(BtfKind.Func, 0), VoidProto]);

        var typeLen = types.Count * 4;
        var blob = new byte[HeaderSize + typeLen + strings.Length];
        var span = blob.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, 0xeB9F);
        span[2] = 1; // version
        span[3] = 0; // flags
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 0);               // type_off
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)typeLen);  // type_len
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)typeLen);  // str_off
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)strings.Length);
        for (var i = 0; i < types.Count; i++) BinaryPrimitives.WriteUInt32LittleEndian(span[(HeaderSize + 4 * i)..], types[i]);
        strings.ToArray().CopyTo(span[(HeaderSize + typeLen)..]);
        return blob;
    }

    /// <summary>The type id of the FUNC for entry <paramref name="index"/> in <see cref="Build"/>'s list.</summary>
    public static uint FuncTypeId(int index) => FirstGlobalProto + MaxArgs + 1 + (uint)index;

    static uint Info(BtfKind kind, int vlen) => ((uint)kind << 24) | (uint)vlen;

    /// <summary>BTF names must be C identifiers.</summary>
    static string Identifier(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (sb.Length == 0 || char.IsAsciiDigit(sb[0])) sb.Insert(0, '_');
        return sb.ToString();
    }

    /// <summary>Loads the blob; on failure retries with the BTF verifier log so the error says why.</summary>
    public static FdHandle Load(byte[] blob, string what)
    {
        fixed (byte* p = blob)
        {
            var attr = new BtfLoadAttr { Btf = (ulong)p, BtfSize = (uint)blob.Length };
            var r = Internal.Sys.Bpf.Call(BpfCmd.BtfLoad, ref attr);
            if (r >= 0) return new FdHandle(r);
            var log = new byte[64 * 1024];
            fixed (byte* l = log)
            {
                attr = new BtfLoadAttr { Btf = (ulong)p, BtfSize = (uint)blob.Length, BtfLogBuf = (ulong)l, BtfLogSize = (uint)log.Length, BtfLogLevel = 1 };
                r = Internal.Sys.Bpf.Call(BpfCmd.BtfLoad, ref attr);
                if (r >= 0) return new FdHandle(r);
            }
            var lines = BpfProgram.SplitLog(log);
            throw new BpfException("BPF_BTF_LOAD", -r, $"{what}{(lines.Count > 0 ? ": " + lines[^1] : "")}");
        }
    }
}
