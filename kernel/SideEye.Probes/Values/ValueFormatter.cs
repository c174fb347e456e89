using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Maps;
using SideEye.GoRuntime.Memory;
using SideEye.Probes.Specs;

namespace SideEye.Probes.Values;

/// <summary>
/// Turns a Go value into JSON from its DWARF type and the target's memory, reading only what
/// <see cref="ValueReadRules"/> allows, so the same output comes from a live process
/// (<see cref="ProcessMemoryReader"/>) and from the blocks a probe copied (<see cref="SparseMemory"/>).
/// What memory lacks becomes a marker, never an exception. Conventions (close to encoding/json):
/// <list type="bullet">
/// <item>numbers exact (64-bit integers too); floats NaN/±Inf as "NaN", "+Inf", "-Inf"; complex as fmt prints it;
/// uintptr and unsafe.Pointer as "0x…"; invalid UTF-8 bytes in strings as U+FFFD.</item>
/// <item>struct → object of fields in order (embedded ones by their DWARF name, not flattened; blank "_" fields
/// left out); pointer → its pointee; nil pointer, slice, map, channel, func, interface → null.</item>
/// <item>[]byte and [N]byte → a string when they read as text (valid UTF-8, no control characters but tab and line breaks), else {"$base64": …}.</item>
/// <item>maps with string, bool, integer or float keys → an object keyed by the key's text; other keys → an array
/// of {"key", "value"}; sorted by key.</item>
/// <item>interface → {"$type": %T, "value": …}, with "$error" for errors.New and fmt.Errorf values and
/// "$context" (the valueCtx keys and values, innermost first) for context.Context.</item>
/// <item>time.Time → RFC 3339 in UTC with nanoseconds; time.Duration → its String().</item>
/// <item>channel → {"$chan", "len", "cap", "closed", "items"}; func → {"$func": name}.</item>
/// <item>cut values: {"$str", "$len"}, {"$items", "$len"}, {"$entries", "$len"}; markers {"$depth"}, {"$cycle"},
/// {"$unread"}, {"$unknownType"} holding the address concerned.</item>
/// </list>
/// </summary>
public sealed class ValueFormatter
{
    static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly Func<ulong, string?> _functionName;
    readonly Lazy<long> _itabTypeOffset;
    readonly Lazy<ClassicMapConstants> _classicMapConstants;

    /// <param name="runtimeTypes">The binary's types by runtime type descriptor (for interfaces).</param>
    /// <param name="limits">What a capture may copy.</param>
    /// <param name="loadBias">Process address minus link address (0 unless PIE).</param>
    /// <param name="functionName">Function name for a link-time PC (func values), e.g. from the pclntab.</param>
    public ValueFormatter(RuntimeTypeIndex runtimeTypes, CaptureLimits limits, ulong loadBias, Func<ulong, string?> functionName)
    {
        RuntimeTypes = runtimeTypes;
        Limits = limits;
        LoadBias = loadBias;
        _functionName = functionName;
        _itabTypeOffset = new Lazy<long>(ReadItabTypeOffset);
        _classicMapConstants = new Lazy<ClassicMapConstants>(() => ClassicMapConstants.Read(RuntimeTypes.Dwarf));
    }

    /// <summary>A formatter for one binary: its DWARF types, pclntab function names, default limits unless given.</summary>
    public static ValueFormatter ForBinary(GoBinary binary, CaptureLimits? limits = null, ulong loadBias = 0) =>
        new(RuntimeTypeIndex.Build(binary), limits ?? CaptureLimits.Default, loadBias, pc => binary.Pclntab.FindFunction(pc)?.Name);

    public RuntimeTypeIndex RuntimeTypes { get; }
    public CaptureLimits Limits { get; }
    public ulong LoadBias { get; }

    /// <summary>
    /// The value of <paramref name="type"/> stored at <paramref name="address"/>, a process address (link address plus
    /// <see cref="LoadBias"/>); its first <see cref="ValueReadRules.MaxBlockBytes"/> bytes are read.
    /// </summary>
    public string FormatAt(GoType type, ulong address, IMemoryReader memory) => Serialize(NodeAt(type, address, memory));

    /// <summary>A value whose bytes are already in hand (copied from registers or a stack); what it points to is read from memory.</summary>
    public string Format(GoType type, ReadOnlySpan<byte> value, IMemoryReader memory) =>
        Serialize(new ValueDecoder(this, new BlockReader(memory)).Root(type, value, null));

    internal JsonNode? NodeAt(GoType type, ulong address, IMemoryReader memory)
    {
        var decoder = new ValueDecoder(this, new BlockReader(memory));
        return decoder.Reader.Read(address, type.Size) is { } bytes ? decoder.Root(type, bytes, address) : ValueMarkers.Unread(address);
    }

    internal static string Serialize(JsonNode? node) => node?.ToJsonString(Output) ?? "null";

    internal string? FunctionName(ulong linkPc) => _functionName(linkPc);

    /// <summary>Offset of the dynamic type pointer in an itab (runtime.itab._type, internal/abi.ITab.Type): 8 in every supported release.</summary>
    internal long ItabTypeOffset => _itabTypeOffset.Value;

    /// <summary>The tophash constants of hmap buckets, read on the first classic map (Swiss-table binaries lack them).</summary>
    internal ClassicMapConstants ClassicMapConstants => _classicMapConstants.Value;

    /// <summary>An empty interface is runtime.eface (type word first); any other is runtime.iface (itab first).</summary>
    internal bool IsEmptyInterface(GoType interfaceType) =>
        interfaceType.Resolved.Fields is [{ Name: "_type" }, ..];

    long ReadItabTypeOffset()
    {
        var dwarf = RuntimeTypes.Dwarf;
        var itab = dwarf.FindType("internal/abi.ITab") ?? dwarf.FindType("runtime.itab")
            ?? throw new SideEyeException("DWARF has neither internal/abi.ITab nor runtime.itab, so non-empty interfaces cannot be typed");
        return RuntimeStructs.Field(itab, "Type", "_type").Offset;
    }
}
