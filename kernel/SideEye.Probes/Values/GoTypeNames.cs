using System.Text;

namespace SideEye.Probes.Values;

/// <summary>Type names as Go's %T prints them, from DWARF's names.</summary>
internal static class GoTypeNames
{
    /// <summary>
    /// DWARF names types by their linker symbols, with full import paths ("*net/http.Request"); reflect uses the
    /// package name ("*http.Request"). Every qualified identifier loses its path up to the last slash.
    /// </summary>
    public static string Display(string dwarfName)
    {
        if (!dwarfName.Contains('/')) return dwarfName;
        var sb = new StringBuilder(dwarfName.Length);
        var i = 0;
        while (i < dwarfName.Length)
        {
            if (!IsNameChar(dwarfName[i]))
            {
                sb.Append(dwarfName[i++]);
                continue;
            }
            var start = i;
            while (i < dwarfName.Length && IsNameChar(dwarfName[i])) i++;
            var token = dwarfName.AsSpan(start, i - start);
            var slash = token.LastIndexOf('/');
            sb.Append(slash >= 0 ? token[(slash + 1)..] : token);
        }
        return sb.ToString();
    }

    static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '.' or '/' or '-' or '~' or '%';
}
