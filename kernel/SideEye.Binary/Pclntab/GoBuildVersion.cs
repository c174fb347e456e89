using System.Text;

namespace SideEye.Binary.Pclntab;

/// <summary>
/// Reads the Go release string (runtime.buildVersion, e.g. "go1.22.2") from .go.buildinfo, which even
/// stripped binaries keep. Since Go 1.18 the header flags bit 2 says the version follows inline as a
/// varint-prefixed string at offset 32.
/// </summary>
internal static class GoBuildVersion
{
    public static string? Read(Elf.ElfImage image)
    {
        var section = image.FindSection(".go.buildinfo");
        if (section is null || !section.HasFileData) return null;
        var data = image.RawSectionData(section).Span;
        if (data.Length < 33 || data[0] != 0xff || !data[1..14].SequenceEqual(" Go buildinf:"u8) || (data[15] & 2) == 0) return null;
        var pos = 32;
        ulong length = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (pos >= data.Length) return null;
            var b = data[pos++];
            length |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) break;
        }
        if (length > 64 || (ulong)(data.Length - pos) < length) return null;
        return Encoding.UTF8.GetString(data.Slice(pos, (int)length));
    }

    /// <summary>The minor release of a "go1.NN..." string, or null if it is not one.</summary>
    public static int? Minor(string? version)
    {
        if (version is null || !version.StartsWith("go1.", StringComparison.Ordinal)) return null;
        var digits = version.AsSpan(4);
        var n = 0;
        while (n < digits.Length && char.IsAsciiDigit(digits[n])) n++;
        return n > 0 && int.TryParse(digits[..n], out var minor) ? minor : null;
    }
}
