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

    public static WaitReasons Read(ElfImage image, DwarfData dwarf)
    {
        const string name = "runtime.waitReasonStrings";
        var address = dwarf.FindVariableAddress(name)
            ?? throw new SideEyeException($"{image.Path}: DWARF has no variable {name}");
        // The array's length is the largest waitReason constant plus one; the symbol size says the same when present.
        var count = dwarf.Constants.Where(c => c.Key.StartsWith("runtime.waitReason", StringComparison.Ordinal)).Select(c => c.Value).DefaultIfEmpty(-1).Max() + 1;
        var symbol = image.Symbols.FirstOrDefault(s => s.Name == name);
        if (symbol.Size > 0) count = (long)symbol.Size / 16;
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
