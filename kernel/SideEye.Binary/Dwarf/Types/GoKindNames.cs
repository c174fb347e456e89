namespace SideEye.Binary.Dwarf.Types;

/// <summary>The spelling reflect.Kind.String() uses, so output lines up with what Go programs print.</summary>
public static class GoKindNames
{
    public static string ToGoString(this GoKind kind) => kind switch
    {
        GoKind.Pointer => "ptr",
        GoKind.UnsafePointer => "unsafe.Pointer",
        GoKind.Invalid => "invalid",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
