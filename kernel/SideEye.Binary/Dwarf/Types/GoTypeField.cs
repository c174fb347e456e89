namespace SideEye.Binary.Dwarf.Types;

/// <summary>A struct field: name, byte offset, type, and whether it is embedded.</summary>
public sealed record GoTypeField(string Name, long Offset, GoType Type, bool IsEmbedded)
{
    public override string ToString() => $"+{Offset} {Name} {Type.Name}";
}
