namespace SideEye.Bpf.Btf;

/// <summary>
/// One BTF type record. <see cref="SizeOrType"/> is the byte size for INT/STRUCT/UNION/ENUM/DATASEC/FLOAT and the
/// referenced type id for PTR/TYPEDEF/CONST/VOLATILE/RESTRICT/FUNC/FUNC_PROTO/VAR/TYPE_TAG/DECL_TAG.
/// </summary>
public sealed record BtfType(uint Id, BtfKind Kind, string Name, uint SizeOrType, int Vlen, bool KindFlag);
