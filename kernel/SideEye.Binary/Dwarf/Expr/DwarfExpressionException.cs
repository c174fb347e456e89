namespace SideEye.Binary.Dwarf.Expr;

/// <summary>A well-formed DWARF expression that cannot be evaluated here: a register, memory or frame base is unavailable.</summary>
public sealed class DwarfExpressionException(string message) : SideEyeException(message);
