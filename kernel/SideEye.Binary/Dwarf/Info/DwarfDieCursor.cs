using SideEye.Binary.Dwarf;

namespace SideEye.Binary.Dwarf.Info;

/// <summary>
/// Walks the DIEs of one unit in file order without allocating: read the abbreviation code, then either
/// decode the attributes or skip them (one step when the abbreviation has a fixed size).
/// </summary>
internal ref struct DwarfDieCursor
{
    DwarfReader _r;
    readonly DwarfCompileUnit _unit;
    readonly DwarfAbbrevTable _abbrevs;

    public DwarfDieCursor(DwarfCompileUnit unit, DwarfReader reader)
    {
        _unit = unit;
        _r = reader;
        _abbrevs = unit.Abbrevs;
    }

    public readonly int Position => _r.Position;

    /// <summary>
    /// Moves to the next DIE. False at the end of the unit; <paramref name="abbrev"/> is null for a null
    /// entry (the end of a sibling chain).
    /// </summary>
    public bool Next(out DwarfAbbrev? abbrev, out int offset)
    {
        offset = _r.Position;
        if (_r.AtEnd)
        {
            abbrev = null;
            return false;
        }
        var code = _r.Uleb();
        if (code == 0)
        {
            abbrev = null;
            return true;
        }
        abbrev = _abbrevs.Find(code) ?? throw _unit.Sections.Info.Error($"unknown abbreviation code {code}", offset);
        return true;
    }

    public void SkipAttributes(DwarfAbbrev abbrev)
    {
        var fixedSize = abbrev.FixedSize(_unit.AddressSize, _unit.Is64Bit, _unit.Version);
        if (fixedSize >= 0)
        {
            _r.Skip(fixedSize);
            return;
        }
        foreach (var spec in abbrev.Specs) ReadValue(spec.Form, spec.ImplicitConst);
    }

    /// <summary>Skips the children of the DIE just read (its attributes must already be consumed).</summary>
    public void SkipChildren(int siblingOffset = -1)
    {
        if (siblingOffset > _r.Position && siblingOffset <= _r.End)
        {
            _r.Position = siblingOffset;
            return;
        }
        var depth = 1;
        while (depth > 0)
        {
            if (!Next(out var a, out _)) return; // a unit may end without its closing null entries
            if (a is null) { depth--; continue; }
            SkipAttributes(a);
            if (a.HasChildren) depth++;
        }
    }

    public DwarfEntry ReadEntry(DwarfAbbrev abbrev, int offset)
    {
        var specs = abbrev.Specs;
        var values = new DwarfValue[specs.Length];
        for (var i = 0; i < specs.Length; i++) values[i] = ReadValue(specs[i].Form, specs[i].ImplicitConst);
        return new DwarfEntry(_unit, offset, abbrev, values, _r.Position);
    }

    /// <summary>Reads one value; for attributes the caller does not need, this doubles as the skip.</summary>
    public DwarfValue ReadValue(DwarfForm form, long implicitConst)
    {
        var at = _r.Position;
        switch (form)
        {
            case DwarfForm.Addr: return new(form, _r.Address(_unit.AddressSize), 0, 0);
            case DwarfForm.Data1 or DwarfForm.Flag or DwarfForm.Strx1 or DwarfForm.Addrx1: return new(form, _r.U8(), 0, 0);
            case DwarfForm.Data2 or DwarfForm.Strx2 or DwarfForm.Addrx2: return new(form, _r.U16(), 0, 0);
            case DwarfForm.Strx3 or DwarfForm.Addrx3: return new(form, _r.U24(), 0, 0);
            case DwarfForm.Data4 or DwarfForm.Strx4 or DwarfForm.Addrx4 or DwarfForm.RefSup4: return new(form, _r.U32(), 0, 0);
            case DwarfForm.Data8 or DwarfForm.RefSig8 or DwarfForm.RefSup8: return new(form, _r.U64(), 0, 0);
            case DwarfForm.Data16: _r.Skip(16); return new(form, 0, at, 16);
            case DwarfForm.Sdata: return new(form, unchecked((ulong)_r.Sleb()), 0, 0);
            case DwarfForm.Udata or DwarfForm.Strx or DwarfForm.Addrx or DwarfForm.Loclistx or DwarfForm.Rnglistx
                or DwarfForm.GnuAddrIndex or DwarfForm.GnuStrIndex:
                return new(form, _r.Uleb(), 0, 0);
            case DwarfForm.Strp or DwarfForm.LineStrp or DwarfForm.SecOffset or DwarfForm.StrpSup:
                return new(form, _r.Offset(_unit.Is64Bit), 0, 0);
            case DwarfForm.RefAddr:
                return new(form, _unit.Version <= 2 ? _r.Address(_unit.AddressSize) : _r.Offset(_unit.Is64Bit), 0, 0);
            case DwarfForm.Ref1: return Ref(form, _r.U8());
            case DwarfForm.Ref2: return Ref(form, _r.U16());
            case DwarfForm.Ref4: return Ref(form, _r.U32());
            case DwarfForm.Ref8: return Ref(form, _r.U64());
            case DwarfForm.RefUdata: return Ref(form, _r.Uleb());
            case DwarfForm.FlagPresent: return new(form, 1, 0, 0);
            case DwarfForm.ImplicitConst: return new(form, unchecked((ulong)implicitConst), 0, 0);
            case DwarfForm.String:
            {
                var s = _r.CStringBytes();
                return new(form, 0, at, s.Length);
            }
            case DwarfForm.Block1: return Block(form, _r.U8());
            case DwarfForm.Block2: return Block(form, _r.U16());
            case DwarfForm.Block4: return Block(form, _r.U32());
            case DwarfForm.Block or DwarfForm.Exprloc: return Block(form, _r.Uleb());
            case DwarfForm.Indirect:
            {
                var actual = _r.Uleb();
                if (actual > ushort.MaxValue || (DwarfForm)actual == DwarfForm.Indirect || !DwarfFormSizes.IsKnown((DwarfForm)actual))
                    throw _r.Section.Error($"bad indirect form 0x{actual:x}", at);
                return ReadValue((DwarfForm)actual, (DwarfForm)actual == DwarfForm.ImplicitConst ? _r.Sleb() : 0);
            }
            default:
                throw _r.Section.Error($"unknown attribute form 0x{(int)form:x}", at);
        }
    }

    DwarfValue Ref(DwarfForm form, ulong unitRelative)
    {
        // Unit-relative references become absolute .debug_info offsets.
        var absolute = unitRelative + (ulong)_unit.Offset;
        return new(form, absolute < unitRelative ? ulong.MaxValue : absolute, 0, 0);
    }

    DwarfValue Block(DwarfForm form, ulong length)
    {
        var at = _r.Position;
        if (length > (ulong)_r.Remaining) throw _r.Section.Error($"block of {length} bytes runs past the unit", at);
        _r.Skip((long)length);
        return new(form, length, at, (int)length);
    }
}
