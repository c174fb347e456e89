using System.Text;

namespace SideEye.Binary.Dwarf.Types;

/// <summary>
/// Renders a type's memory layout for <c>sideeye types BINARY TYPENAME</c>:
/// <code>
/// NAME size=S align=A kind=K
///   +OFFSET FIELD TYPE (size S)      one line per struct field, in declaration order
/// </code>
/// Kinds use reflect's spelling (ptr, struct, float64, ...). Non-struct types print the header only, plus
/// "  elem TYPE" / "  key TYPE" / "  len N" lines for pointers, slices, arrays, maps and channels.
/// </summary>
public static class GoTypeLayoutPrinter
{
    public static string Print(GoType type)
    {
        var sb = new StringBuilder();
        sb.Append(type.Name).Append(" size=").Append(type.Size).Append(" align=").Append(type.Align)
          .Append(" kind=").Append(type.Kind.ToGoString()).Append('\n');
        if (type.Kind == GoKind.Struct)
        {
            foreach (var f in type.Fields)
                sb.Append("  +").Append(f.Offset).Append(' ').Append(f.Name).Append(' ').Append(f.Type.Name)
                  .Append(" (size ").Append(f.Type.Size).Append(")\n");
            return sb.ToString();
        }
        if (type.Key is { } key) sb.Append("  key ").Append(key.Name).Append('\n');
        if (type.Elem is { } elem) sb.Append("  elem ").Append(elem.Name).Append('\n');
        if (type.Count is { } count) sb.Append("  len ").Append(count).Append('\n');
        return sb.ToString();
    }
}
