using SideEye.Binary.Dwarf;

namespace SideEye.Binary.Dwarf.Types;

/// <summary>Turns type DIEs into <see cref="GoType"/>s, once per DIE offset (the cache is what breaks cycles).</summary>
public sealed class GoTypeResolver
{
    readonly DwarfData _dwarf;
    readonly Dictionary<int, GoType> _byOffset = new();

    internal GoTypeResolver(DwarfData dwarf, int pointerSize)
    {
        _dwarf = dwarf;
        PointerSize = pointerSize;
        _typesBase = new Lazy<ulong?>(() => dwarf.Image.Symbols
            .Where(s => s.Name is "runtime.types" or "type:*" or "type.*").Select(s => (ulong?)s.Value).FirstOrDefault());
    }

    public int PointerSize { get; }

    /// <summary>Serialises the lazy layout computations (size, alignment), whose cycle guards are per-type state.</summary>
    internal object Gate { get; } = new();

    /// <summary>Address of the types area (symbol runtime.types, alias type:* / type.*), the base of DW_AT_go_runtime_type.</summary>
    public ulong? TypesBase => _typesBase.Value;

    readonly Lazy<ulong?> _typesBase;

    /// <summary>The type whose DIE is at this .debug_info offset.</summary>
    public GoType TypeAt(int offset)
    {
        lock (_byOffset)
        {
            if (_byOffset.TryGetValue(offset, out var cached)) return cached;
        }
        var unit = _dwarf.UnitContaining(offset);
        var entry = unit.ReadEntry(offset);
        var type = new GoType(this, entry, entry.Name ?? $"<{entry.Tag}@0x{offset:x}>");
        lock (_byOffset)
        {
            return _byOffset.TryAdd(offset, type) ? type : _byOffset[offset];
        }
    }
}
