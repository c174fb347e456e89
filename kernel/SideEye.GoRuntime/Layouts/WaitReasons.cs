using System.Text;
using SideEye.Binary.Dwarf;
using SideEye.Binary.Elf;

namespace SideEye.GoRuntime.Layouts;

/// <summary>
/// The runtime's wait-reason strings ("chan receive", "select", …), read from runtime.waitReasonStrings
/// in the binary's own data, indexed by g.waitreason.
/// </summary>
public sealed class WaitReasons
{
    WaitReasons(IReadOnlyList<string> strings) => Strings = strings;

    public IReadOnlyList<string> Strings { get; }

    public string Describe(int reason) => reason >= 0 && reason < Strings.Count && Strings[reason].Length > 0 ? Strings[reason] : $"waitreason{reason}";

    const string Name = "runtime.waitReasonStrings";

    /// <summary>From the binary's DWARF: the array's address, and its length from the waitReason constants or the symbol's size.</summary>
    public static WaitReasons Read(ElfImage image, DwarfData dwarf)
    {
        var address = dwarf.FindVariableAddress(Name)
            ?? throw new SideEyeException($"{image.Path}: DWARF has no variable {Name}");
        var count = (long)CountFrom(dwarf);
        var symbol = image.Symbols.FirstOrDefault(s => s.Name == Name);
        if (symbol.Size > 0) count = (long)symbol.Size / 16;
        return Read(image, address, count);
    }

    /// <summary>The array's length the waitReason constants give: the largest plus one (0 when there are none).</summary>
    public static int CountFrom(DwarfData dwarf) =>
        (int)Math.Clamp(dwarf.Constants.Where(c => c.Key.StartsWith("runtime.waitReason", StringComparison.Ordinal)).Select(c => c.Value).DefaultIfEmpty(-1).Max() + 1, 0, int.MaxValue);

    /// <summary>The <paramref name="count"/> strings of the array at <paramref name="address"/> (found in machine code when there is no DWARF).</summary>
    public static WaitReasons Read(ElfImage image, ulong address, long count)
    {
        const string name = Name;
        if (count <= 0 || count > 4096) throw new SideEyeException($"{image.Path}: cannot size {name}");

        var strings = new string[count];
        Span<byte> header = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            if (!image.TryReadAt(address + (ulong)(16 * i), header))
                throw new SideEyeException($"{image.Path}: {name}[{i}] is outside the binary's data");
            var ptr = BitConverter.ToUInt64(header);
            var len = BitConverter.ToUInt64(header[8..]);
            if (len == 0) { strings[i] = ""; continue; }
            if (len > 256) throw new SideEyeException($"{image.Path}: {name}[{i}] has implausible length {len}");
            var text = new byte[len];
            if (!image.TryReadAt(ptr, text)) throw new SideEyeException($"{image.Path}: {name}[{i}] points outside the binary");
            strings[i] = Encoding.UTF8.GetString(text);
        }
        return new WaitReasons(strings);
    }
}
