namespace SideEye.GoRuntime.Stacks;

/// <summary>
/// Which frames runtime.Stack shows at the default GOTRACEBACK level (the runtime's showfuncinfo): frames of
/// the runtime package are hidden unless exported, except runtime.gopanic below the first frame. Snapshots
/// keep every frame; this tells which ones a Go developer is used to seeing.
/// </summary>
public static class RuntimeStackFilter
{
    public static bool IsShown(string function, bool firstFrame)
    {
        if (function == "runtime.gopanic" && !firstFrame) return true;
        if (!function.Contains('.')) return false;
        if (!function.StartsWith("runtime.", StringComparison.Ordinal)) return true;
        // isExportedRuntime: "runtime." followed by an upper-case letter.
        return function.Length > 8 && char.IsUpper(function[8]);
    }

    public static IReadOnlyList<StackFrame> Shown(IReadOnlyList<StackFrame> frames) =>
        frames.Where((f, i) => IsShown(f.Function, i == 0)).ToArray();
}
