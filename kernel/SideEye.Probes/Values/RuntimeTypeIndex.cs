using System.Buffers.Binary;
using System.Text;
using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Versions;

namespace SideEye.Probes.Values;

/// <summary>
/// The binary's DWARF types by the link-time address of their runtime type descriptor (DW_AT_go_runtime_type),
/// which is what an interface's type word (or its itab's type field) holds, plus the load bias in a PIE process.
/// Built once per binary from the named types of the DWARF index.
/// </summary>
public sealed class RuntimeTypeIndex
{
    readonly Dictionary<ulong, GoType> _byAddress;

    RuntimeTypeIndex(DwarfData dwarf, GoVersion version, Dictionary<ulong, GoType> byAddress)
    {
        Dwarf = dwarf;
        Version = version;
        _byAddress = byAddress;
    }

    public DwarfData Dwarf { get; }
    public GoVersion Version { get; }

    /// <summary>Every DWARF type that has a runtime type descriptor, by the descriptor's link-time address.</summary>
    public IReadOnlyDictionary<ulong, GoType> Types => _byAddress;

    public static RuntimeTypeIndex Build(GoBinary binary) =>
        Build(binary.Dwarf ?? throw new SideEyeException($"{binary.NoDwarf}; interface values cannot be typed without it"), binary.Version);

    public static RuntimeTypeIndex Build(DwarfData dwarf, GoVersion version)
    {
        var byAddress = new Dictionary<ulong, GoType>();
        foreach (var name in dwarf.TypeNames)
        {
            if (dwarf.FindType(name) is not { RuntimeTypeAddress: { } address } type) continue;
            // A typedef without the attribute reports its underlying type's descriptor: that one belongs to the other type.
            if (type.Underlying is { } u && u.RuntimeTypeOffset == type.RuntimeTypeOffset) continue;
            byAddress.TryAdd(address, type);
        }
        return new RuntimeTypeIndex(dwarf, version, byAddress);
    }

    /// <summary>The type whose descriptor is at this link-time address (a process address minus the load bias).</summary>
    public GoType? Find(ulong linkAddress) => _byAddress.GetValueOrDefault(linkAddress);

    /// <summary>
    /// Name, kind and size from the runtime type descriptor itself, read from the executable file (never from the
    /// process): the linker writes DWARF only for types that variables and live functions use, so a type that is
    /// only ever converted to an interface (a context key, say) has a descriptor but no DWARF.
    /// abi.Type (runtime._type before 1.21, same layout): Size_ +0, TFlag +20, Kind_ +23 (low 5 bits), Str +40,
    /// a name offset from the types area to a name: a flags byte, a uvarint length, the bytes.
    /// </summary>
    internal RuntimeTypeDescriptor? Describe(ulong linkAddress)
    {
        var image = Dwarf.Image;
        Span<byte> header = stackalloc byte[48];
        if (Dwarf.Types.TypesBase is not { } typesBase || !image.TryReadAt(linkAddress, header)) return null;
        var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(header);
        var extraStar = (header[20] & 2) != 0; // abi.TFlagExtraStar: the name has a '*' to drop
        var kind = (GoKind)(header[23] & 0x1f);
        var nameAddress = typesBase + (ulong)BinaryPrimitives.ReadInt32LittleEndian(header[40..]);
        Span<byte> prefix = stackalloc byte[11];
        if (!image.TryReadAt(nameAddress, prefix[..1])) return null;
        ulong length = 0;
        var at = 1;
        for (var shift = 0; at < 11; shift += 7)
        {
            if (!image.TryReadAt(nameAddress + (ulong)at, prefix.Slice(at, 1))) return null;
            length |= (ulong)(prefix[at] & 0x7f) << shift;
            if ((prefix[at++] & 0x80) == 0) break;
        }
        if (length > 4096) return null;
        var name = new byte[length];
        if (!image.TryReadAt(nameAddress + (ulong)at, name)) return null;
        var text = Encoding.UTF8.GetString(name);
        return new RuntimeTypeDescriptor(extraStar && text.StartsWith('*') ? text[1..] : text, kind, size);
    }
}

/// <summary>What a runtime type descriptor says of itself: its name as %T prints it, its kind and size.</summary>
internal sealed record RuntimeTypeDescriptor(string Name, GoKind Kind, long Size);
