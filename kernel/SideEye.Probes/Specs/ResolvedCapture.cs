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

    /// <summary>Each type assertion of the expression, resolved.</summary>
    public IReadOnlyDictionary<TypeAssertExpression, TypeAssertion> Assertions { get; init; } = new Dictionary<TypeAssertExpression, TypeAssertion>();
}

/// <summary>
/// x.(T) resolved: T's type, and the first word an interface holding a T has (the itab's link-time address for a
/// non-empty interface, T's type descriptor's for interface{}), which the decoder checks.
/// </summary>
public sealed record TypeAssertion(GoType Type, ulong Word)
{
}
