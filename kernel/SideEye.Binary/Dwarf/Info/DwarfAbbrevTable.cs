using SideEye.Binary.Dwarf;

namespace SideEye.Binary.Dwarf.Info;

/// <summary>The abbreviation declarations of one .debug_abbrev table (one per abbrev offset).</summary>
public sealed class DwarfAbbrevTable
{
    readonly DwarfAbbrev?[] _dense;
    readonly Dictionary<uint, DwarfAbbrev>? _sparse;

    DwarfAbbrevTable(DwarfAbbrev?[] dense, Dictionary<uint, DwarfAbbrev>? sparse)
    {
        _dense = dense;
        _sparse = sparse;
    }

    public int Count => _sparse?.Count ?? _dense.Count(a => a is not null);

    /// <summary>The abbreviation for a code, or null if the table has none.</summary>
    public DwarfAbbrev? Find(ulong code)
    {
        if (code < (ulong)_dense.Length) return _dense[code];
        return _sparse is not null && code <= uint.MaxValue && _sparse.TryGetValue((uint)code, out var a) ? a : null;
    }

    internal static DwarfAbbrevTable Parse(DwarfSection section, long offset)
    {
        var r = section.ReaderAt(offset);
        var list = new List<DwarfAbbrev>();
        var specs = new List<DwarfAttributeSpec>();
        while (true)
        {
            var codeAt = r.Position;
            var code = r.Uleb();
            if (code == 0) break;
            if (code > uint.MaxValue) throw section.Error($"abbreviation code {code} too large", codeAt);
            var tag = r.Uleb();
            if (tag > ushort.MaxValue) throw section.Error($"tag 0x{tag:x} too large", codeAt);
            var children = r.U8();
            specs.Clear();
            while (true)
            {
                var at = r.Uleb();
                var formAt = r.Position;
                var form = r.Uleb();
                if (at == 0 && form == 0) break;
                if (at > ushort.MaxValue || form > ushort.MaxValue || !DwarfFormSizes.IsKnown((DwarfForm)form))
                    throw section.Error($"unknown attribute form 0x{form:x} (attribute 0x{at:x})", formAt);
                var implicitConst = (DwarfForm)form == DwarfForm.ImplicitConst ? r.Sleb() : 0;
                specs.Add(new DwarfAttributeSpec((DwarfAttribute)at, (DwarfForm)form, implicitConst));
            }
            list.Add(new DwarfAbbrev((uint)code, (DwarfTag)tag, children != 0, specs.ToArray()));
        }
        // Codes are normally 1..n; keep a dense array for those and a dictionary for outliers.
        var denseLength = list.Count == 0 ? 1 : (int)Math.Min(list.Max(a => a.Code) + 1, (uint)list.Count * 2 + 16);
        var dense = new DwarfAbbrev?[denseLength];
        Dictionary<uint, DwarfAbbrev>? sparse = null;
        foreach (var a in list)
        {
            if (a.Code < dense.Length) dense[a.Code] ??= a;
            else (sparse ??= new())[a.Code] = a;
        }
        return new DwarfAbbrevTable(dense, sparse);
    }
}
