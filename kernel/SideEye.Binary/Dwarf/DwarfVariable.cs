namespace SideEye.Binary.Dwarf;

/// <summary>A parameter or local variable of a function (or of an inlined call).</summary>
public sealed record DwarfVariable(string Name, bool IsParameter, int? TypeOffset, DwarfVariableLocation? Location, int DeclLine, int DieOffset)
{
    public override string ToString() => $"{(IsParameter ? "param" : "var")} {Name}";
}
