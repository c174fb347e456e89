namespace SideEye.Binary.Dwarf.Info;

/// <summary>Form sizes and form skipping, shared by the DIE cursor and the v5 line-header entry formats.</summary>
internal static class DwarfFormSizes
{
    public static bool IsKnown(DwarfForm form) =>
        form is >= DwarfForm.Addr and <= DwarfForm.Addrx4 and not (DwarfForm)0x02 || form is DwarfForm.GnuAddrIndex or DwarfForm.GnuStrIndex;

    /// <summary>Size in bytes of a value of this form, or -1 when it depends on the data.</summary>
    public static int Fixed(DwarfForm form, int addressSize, bool is64, int version) => form switch
    {
        DwarfForm.Addr => addressSize,
        DwarfForm.Data1 or DwarfForm.Ref1 or DwarfForm.Flag or DwarfForm.Strx1 or DwarfForm.Addrx1 => 1,
        DwarfForm.Data2 or DwarfForm.Ref2 or DwarfForm.Strx2 or DwarfForm.Addrx2 => 2,
        DwarfForm.Strx3 or DwarfForm.Addrx3 => 3,
        DwarfForm.Data4 or DwarfForm.Ref4 or DwarfForm.RefSup4 or DwarfForm.Strx4 or DwarfForm.Addrx4 => 4,
        DwarfForm.Data8 or DwarfForm.Ref8 or DwarfForm.RefSig8 or DwarfForm.RefSup8 => 8,
        DwarfForm.Data16 => 16,
        DwarfForm.FlagPresent or DwarfForm.ImplicitConst => 0,
        DwarfForm.Strp or DwarfForm.LineStrp or DwarfForm.SecOffset or DwarfForm.StrpSup => is64 ? 8 : 4,
        // DWARF 2 wrote ref_addr with the address size; 3 and later use the offset size.
        DwarfForm.RefAddr => version <= 2 ? addressSize : is64 ? 8 : 4,
        _ => -1,
    };
}
