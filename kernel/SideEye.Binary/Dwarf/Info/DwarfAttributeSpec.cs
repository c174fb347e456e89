namespace SideEye.Binary.Dwarf.Info;

/// <summary>One attribute specification of an abbreviation: name, form and (for DW_FORM_implicit_const) the value.</summary>
public readonly record struct DwarfAttributeSpec(DwarfAttribute Attribute, DwarfForm Form, long ImplicitConst);
