using SideEye.Binary.Dwarf;

namespace SideEye.Binary.Dwarf.Frame;

/// <summary>
/// Call frame information from .debug_frame. All CIE/FDE headers are indexed at construction (FDEs sorted by
/// address); the CFA program of one FDE runs only when a PC inside it is asked for.
/// </summary>
public sealed class DwarfFrameTable
{
    readonly DwarfSection _section;
    readonly Dictionary<long, CommonInformationEntry> _cies = new();
    readonly FrameDescriptionEntry[] _fdes;

    public DwarfFrameTable(DwarfSection section, int addressSize)
    {
        _section = section;
        var fdes = new List<FrameDescriptionEntry>();
        var r = section.ReaderAt(0);
        while (!r.AtEnd)
        {
            var offset = r.Position;
            var length = r.InitialLength(out var is64);
            if (length == 0) continue; // zero terminator / padding
            var end = r.UnitEnd(length);
            var id = r.Offset(is64);
            var isCie = is64 ? id == ulong.MaxValue : id == uint.MaxValue;
            if (isCie) _cies[offset] = ReadCie(section, ref r, offset, end, addressSize);
            else
            {
                if (id >= (ulong)section.Length) throw section.Error($"FDE points at CIE 0x{id:x} outside the section", offset);
                var size = addressSize;
                var begin = r.Address(size);
                var range = r.Address(size);
                fdes.Add(new FrameDescriptionEntry(offset, (long)id, begin, begin + range, r.Position, end));
            }
            r.Position = end;
        }
        fdes.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        _fdes = fdes.ToArray();
    }

    public IReadOnlyList<FrameDescriptionEntry> Fdes => _fdes;
    public IReadOnlyCollection<CommonInformationEntry> Cies => _cies.Values;

    static CommonInformationEntry ReadCie(DwarfSection section, ref DwarfReader r, int offset, int end, int addressSize)
    {
        var version = r.U8();
        if (version is not (1 or 3 or 4)) throw section.Error($"unsupported CIE version {version}", offset);
        var augmentation = r.CString();
        if (version == 4)
        {
            addressSize = r.U8();
            r.U8(); // segment selector size
            if (addressSize is not (4 or 8)) throw section.Error($"unsupported CIE address size {addressSize}", offset);
        }
        var codeAlign = r.Uleb();
        var dataAlign = r.Sleb();
        var ra = version == 1 ? r.U8() : (int)Math.Min(r.Uleb(), int.MaxValue);
        if (augmentation.StartsWith('z'))
        {
            var augLength = r.Uleb();
            r.Skip((long)Math.Min(augLength, int.MaxValue));
        }
        else if (augmentation.Length > 0)
            throw section.Error($"unsupported CIE augmentation \"{augmentation}\"", offset);
        return new CommonInformationEntry(offset, version, augmentation, addressSize, codeAlign, dataAlign, ra, r.Position, end);
    }

    public FrameDescriptionEntry? FindFde(ulong pc)
    {
        int lo = 0, hi = _fdes.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_fdes[mid].Begin <= pc) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found >= 0 && _fdes[found].Contains(pc) ? _fdes[found] : null;
    }

    /// <summary>The row in effect at <paramref name="pc"/>, or null when no FDE covers it.</summary>
    public FrameRow? RowAt(ulong pc)
    {
        var fde = FindFde(pc);
        if (fde is null) return null;
        if (!_cies.TryGetValue(fde.CieOffset, out var cie))
            throw _section.Error($"FDE refers to missing CIE 0x{fde.CieOffset:x}", fde.Offset);
        var state = new State(cie);
        state.Run(_section, cie.InstructionsStart, cie.InstructionsEnd, ulong.MaxValue, fde.Begin, isInitial: true);
        state.Run(_section, fde.InstructionsStart, fde.InstructionsEnd, pc, fde.Begin, isInitial: false);
        return new FrameRow(state.Location, fde.Begin, fde.End, state.Cfa, new Dictionary<int, FrameRule>(state.Registers), cie.ReturnAddressRegister);
    }

    sealed class State(CommonInformationEntry cie)
    {
        public ulong Location;
        public FrameRule Cfa = new(FrameRuleKind.Undefined);
        public Dictionary<int, FrameRule> Registers = new();
        Dictionary<int, FrameRule> _initial = new();
        readonly Stack<(FrameRule, Dictionary<int, FrameRule>)> _saved = new();

        /// <summary>Executes CFA instructions until the location would pass <paramref name="pc"/>.</summary>
        public void Run(DwarfSection section, int start, int end, ulong pc, ulong begin, bool isInitial)
        {
            if (!isInitial) _initial = new Dictionary<int, FrameRule>(Registers);
            Location = begin;
            var r = section.ReaderAt(start, end);
            while (!r.AtEnd)
            {
                var at = r.Position;
                var op = r.U8();
                var high = op & 0xc0;
                var low = op & 0x3f;
                ulong advance = 0;
                if (high == 0x40) advance = (ulong)low * cie.CodeAlignment;
                else if (high == 0x80) { Registers[low] = new FrameRule(FrameRuleKind.Offset, Offset: (long)r.Uleb() * cie.DataAlignment); continue; }
                else if (high == 0xc0) { Restore(low); continue; }
                else
                {
                    switch (op)
                    {
                        case 0x00: continue; // nop
                        case 0x01: // set_loc
                        {
                            var target = r.Address(cie.AddressSize);
                            if (target > pc) return;
                            Location = target;
                            continue;
                        }
                        case 0x02: advance = r.U8() * cie.CodeAlignment; break;
                        case 0x03: advance = r.U16() * cie.CodeAlignment; break;
                        case 0x04: advance = r.U32() * cie.CodeAlignment; break;
                        case 0x05: Registers[Reg(ref r)] = new FrameRule(FrameRuleKind.Offset, Offset: (long)r.Uleb() * cie.DataAlignment); continue;
                        case 0x06: Restore(Reg(ref r)); continue;
                        case 0x07: Registers[Reg(ref r)] = new FrameRule(FrameRuleKind.Undefined); continue;
                        case 0x08: Registers[Reg(ref r)] = new FrameRule(FrameRuleKind.SameValue); continue;
                        case 0x09: { var reg = Reg(ref r); Registers[reg] = new FrameRule(FrameRuleKind.Register, Reg(ref r)); continue; }
                        case 0x0a: _saved.Push((Cfa, new Dictionary<int, FrameRule>(Registers))); continue;
                        case 0x0b:
                            if (_saved.Count == 0) throw section.Error("DW_CFA_restore_state without remember_state", at);
                            (Cfa, Registers) = _saved.Pop();
                            continue;
                        case 0x0c: { var reg = Reg(ref r); Cfa = new FrameRule(FrameRuleKind.CfaRegisterOffset, reg, (long)r.Uleb()); continue; }
                        case 0x0d: Cfa = Cfa with { Kind = FrameRuleKind.CfaRegisterOffset, Register = Reg(ref r) }; continue;
                        case 0x0e: Cfa = Cfa with { Kind = FrameRuleKind.CfaRegisterOffset, Offset = (long)r.Uleb() }; continue;
                        case 0x0f: Cfa = new FrameRule(FrameRuleKind.CfaExpression, Expression: Block(section, ref r)); continue;
                        case 0x10: { var reg = Reg(ref r); Registers[reg] = new FrameRule(FrameRuleKind.Expression, Expression: Block(section, ref r)); continue; }
                        case 0x11: { var reg = Reg(ref r); Registers[reg] = new FrameRule(FrameRuleKind.Offset, Offset: r.Sleb() * cie.DataAlignment); continue; }
                        case 0x12: { var reg = Reg(ref r); Cfa = new FrameRule(FrameRuleKind.CfaRegisterOffset, reg, r.Sleb() * cie.DataAlignment); continue; }
                        case 0x13: Cfa = Cfa with { Kind = FrameRuleKind.CfaRegisterOffset, Offset = r.Sleb() * cie.DataAlignment }; continue;
                        case 0x14: { var reg = Reg(ref r); Registers[reg] = new FrameRule(FrameRuleKind.ValOffset, Offset: (long)r.Uleb() * cie.DataAlignment); continue; }
                        case 0x15: { var reg = Reg(ref r); Registers[reg] = new FrameRule(FrameRuleKind.ValOffset, Offset: r.Sleb() * cie.DataAlignment); continue; }
                        case 0x16: { var reg = Reg(ref r); Registers[reg] = new FrameRule(FrameRuleKind.ValExpression, Expression: Block(section, ref r)); continue; }
                        case 0x2e: r.Uleb(); continue; // GNU_args_size
                        case 0x2f: { var reg = Reg(ref r); Registers[reg] = new FrameRule(FrameRuleKind.Offset, Offset: -r.Sleb() * cie.DataAlignment); continue; }
                        default: throw section.Error($"unknown call frame instruction 0x{op:x2}", at);
                    }
                }
                if (Location + advance > pc) return;
                Location += advance;
            }
        }

        void Restore(int reg)
        {
            if (_initial.TryGetValue(reg, out var rule)) Registers[reg] = rule;
            else Registers.Remove(reg);
        }

        static int Reg(ref DwarfReader r) => (int)Math.Min(r.Uleb(), int.MaxValue);

        static ReadOnlyMemory<byte> Block(DwarfSection section, ref DwarfReader r)
        {
            var len = r.Uleb();
            var start = r.Position;
            r.Skip((long)Math.Min(len, int.MaxValue));
            return section.Data.Slice(start, (int)len);
        }
    }
}
