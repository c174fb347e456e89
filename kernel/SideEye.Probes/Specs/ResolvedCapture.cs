using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Types;

namespace SideEye.Probes.Specs;

/// <summary>
/// An expression checked against a binary: where its value starts (a parameter or local of the function, or a
/// package variable) and the Go type it evaluates to (<see cref="Type"/> null for len/cap, which are int).
/// </summary>
public sealed record ResolvedCapture(string Function, string Text, CaptureExpression Expression, GoType? Type, DwarfVariable? Local, DwarfGlobalVariable? Global)
{
    public string TypeName => Type?.Name ?? "int";
}
