namespace SideEye.Binary.Dwarf.Info;

/// <summary>
/// One attribute value exactly as encoded, without allocation. Integers, addresses, indexes, section
/// offsets and references are in <see cref="Raw"/> (references already converted to absolute .debug_info
/// offsets); blocks, exprlocs, inline strings and data16 are a range of .debug_info. Interpreting indexes
/// (strx, addrx, loclistx, rnglistx) needs the unit: see <see cref="DwarfCompileUnit"/>.
/// </summary>
public readonly record struct DwarfValue(DwarfForm Form, ulong Raw, int DataOffset, int DataLength)
{
    public long Signed => (long)Raw;

    public bool IsReference => Form is DwarfForm.Ref1 or DwarfForm.Ref2 or DwarfForm.Ref4 or DwarfForm.Ref8
        or DwarfForm.RefUdata or DwarfForm.RefAddr;

    public bool IsBlock => Form is DwarfForm.Block or DwarfForm.Block1 or DwarfForm.Block2 or DwarfForm.Block4 or DwarfForm.Exprloc;

    public bool IsString => Form is DwarfForm.String or DwarfForm.Strp or DwarfForm.LineStrp or DwarfForm.Strx
        or DwarfForm.Strx1 or DwarfForm.Strx2 or DwarfForm.Strx3 or DwarfForm.Strx4 or DwarfForm.GnuStrIndex or DwarfForm.StrpSup;

    public bool IsAddress => Form is DwarfForm.Addr or DwarfForm.Addrx or DwarfForm.Addrx1 or DwarfForm.Addrx2
        or DwarfForm.Addrx3 or DwarfForm.Addrx4 or DwarfForm.GnuAddrIndex;

    /// <summary>Data forms whose value is a plain integer (DWARF 4+ never uses these as section offsets).</summary>
    public bool IsConstant => Form is DwarfForm.Data1 or DwarfForm.Data2 or DwarfForm.Data4 or DwarfForm.Data8
        or DwarfForm.Sdata or DwarfForm.Udata or DwarfForm.ImplicitConst;

    /// <summary>A list reference: sec_offset (or data4/8 before DWARF 4), loclistx or rnglistx.</summary>
    public bool IsListReference => Form is DwarfForm.SecOffset or DwarfForm.Loclistx or DwarfForm.Rnglistx;
}
