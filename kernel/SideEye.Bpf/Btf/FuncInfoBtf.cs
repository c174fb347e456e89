using System.Buffers.Binary;
using System.Text;
using SideEye.Bpf.Internal.Linux;
using SideEye.Bpf.Internal.Sys;

namespace SideEye.Bpf.Btf;

/// <summary>
/// The smallest BTF a program with subprograms needs: the verifier wants a FUNC record (static linkage, prototype
/// "int f(void)") for the main program and every subprogram before it accepts callbacks such as bpf_loop's
/// (otherwise: "missing btf func_info"). Builds the blob, loads it (BPF_BTF_LOAD) and the matching func_info array.
/// </summary>
internal static unsafe class FuncInfoBtf
{
    const int HeaderSize = 24;

    /// <summary>Raw BTF: type 1 = INT "int", type 2 = FUNC_PROTO int(void), then one FUNC per entry (ids 3, 4, ...).</summary>
    public static byte[] Build(IReadOnlyList<string> functionNames)
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
        types.AddRange([0, Info(BtfKind.FuncProto, 0), 1]);
        // FUNC: vlen holds the linkage (0 = static); type = the prototype.
        foreach (var name in functionNames) types.AddRange([Str(Identifier(name)), Info(BtfKind.Func, 0), 2]);

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
    public static uint FuncTypeId(int index) => 3 + (uint)index;

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
