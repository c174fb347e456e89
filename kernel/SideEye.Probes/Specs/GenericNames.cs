using System.Text;

namespace SideEye.Probes.Specs;

/// <summary>
/// Generic functions: DWARF names each instantiation by its shape (main.Map[go.shape.int]), while tracebacks, the
/// pclntab and users write main.Map[...]. Names compare by their spelling with every bracketed type-argument list
/// replaced by "[...]".
/// </summary>
public static class GenericNames
{
    public static bool IsGeneric(string name) => name.Contains("[...]", StringComparison.Ordinal);

    /// <summary>The name with each top-level [...] group (type arguments, nested brackets included) spelled "[...]".</summary>
    public static string Normalize(string name)
    {
        if (name.IndexOf('[') < 0) return name;
        var b = new StringBuilder(name.Length);
        var depth = 0;
        foreach (var ch in name)
        {
            if (ch == '[')
            {
                if (depth++ == 0) b.Append("[...]");
                continue;
            }
            if (ch == ']' && depth > 0) { depth--; continue; }
            if (depth == 0) b.Append(ch);
        }
        return b.ToString();
    }

    public static bool SameFunction(string a, string b) => a == b || Normalize(a) == Normalize(b);
}
