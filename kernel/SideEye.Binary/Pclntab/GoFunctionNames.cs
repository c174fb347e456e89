namespace SideEye.Binary.Pclntab;

/// <summary>How the Go runtime shows function names to users.</summary>
public static class GoFunctionNames
{
    /// <summary>
    /// runtime.funcNameForPrint (Go 1.21+): everything from the first '[' to the last ']' becomes "[...]",
    /// so <c>main.generic[go.shape.string]</c> prints as <c>main.generic[...]</c>.
    /// </summary>
    public static string ForPrint(string name)
    {
        var open = name.IndexOf('[');
        if (open < 0) return name;
        var close = name.LastIndexOf(']');
        return close <= open ? name : string.Concat(name.AsSpan(0, open), "[...]", name.AsSpan(close + 1));
    }
}
