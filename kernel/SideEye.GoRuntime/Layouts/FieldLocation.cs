namespace SideEye.GoRuntime.Layouts;

/// <summary>Where a (possibly nested) field sits inside its runtime struct.</summary>
public readonly record struct FieldLocation(int Offset, int Size, string TypeName);
