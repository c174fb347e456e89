using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime.Layouts;

/// <summary>
/// One runtime struct field SideEye reads, e.g. ("g", "sched.pc"). Offsets come from the binary's DWARF or its
/// release's layout data; the declaration only says which releases must have the field (Since), so a missing one is an error
/// there and simply absent before.
/// </summary>
public sealed record RuntimeFieldSpec(string Struct, string Path, string Why, GoVersion? Since = null)
{
    public string Key => $"{Struct}.{Path}";
    public bool RequiredIn(GoVersion version) => Since is not { } s || version.CompareTo(s) >= 0;
}
