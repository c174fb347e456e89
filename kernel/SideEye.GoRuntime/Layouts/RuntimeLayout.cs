using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime.Layouts;

/// <summary>
/// Offsets and sizes of the runtime.g and runtime.m fields in <see cref="RuntimeFieldSpecs"/>, read from
/// the binary's own DWARF, or, for a binary without it, from its release's layout data (itself generated from that
/// release's DWARF; see Releases.ReleaseLayout).
/// </summary>
public sealed class RuntimeLayout
{
    readonly Dictionary<string, FieldLocation> _fields;

    RuntimeLayout(int gSize, int mSize, Dictionary<string, FieldLocation> fields)
    {
        GSize = gSize;
        MSize = mSize;
        _fields = fields;
    }

    public int GSize { get; }
    public int MSize { get; }
    /// <summary>Every resolved field by key ("g.sched.pc"), in declaration order.</summary>
    public IReadOnlyDictionary<string, FieldLocation> Fields => _fields;

    public FieldLocation G(string path) => Get("g." + path);
    public FieldLocation M(string path) => Get("m." + path);
    public FieldLocation? TryGet(string key) => _fields.TryGetValue(key, out var f) ? f : null;

    FieldLocation Get(string key) =>
        _fields.TryGetValue(key, out var f) ? f : throw new KeyNotFoundException($"runtime field {key} is not in this binary");

    public static RuntimeLayout Read(DwarfData dwarf, GoVersion version, string file)
    {
        var structs = new Dictionary<string, GoType>();
        foreach (var name in RuntimeFieldSpecs.All.Select(s => s.Struct).Distinct())
            structs[name] = dwarf.FindType("runtime." + name)
                ?? throw new SideEyeException($"{file}: DWARF has no type runtime.{name}");

        var fields = new Dictionary<string, FieldLocation>(StringComparer.Ordinal);
        foreach (var spec in RuntimeFieldSpecs.All)
        {
            var location = Resolve(structs[spec.Struct], spec.Path);
            if (location is { } l) fields[spec.Key] = l;
            else if (spec.RequiredIn(version))
                throw new SideEyeException($"{file}: runtime.{spec.Struct} has no field {spec.Path}, which {version} should have");
        }
        return new RuntimeLayout((int)structs["g"].Size, (int)structs["m"].Size, fields);
    }

    /// <summary>From layout data: every field the release must have has to be there.</summary>
    public static RuntimeLayout FromFields(int gSize, int mSize, IReadOnlyDictionary<string, FieldLocation> fields, GoVersion version, string source)
    {
        foreach (var spec in RuntimeFieldSpecs.All)
            if (!fields.ContainsKey(spec.Key) && spec.RequiredIn(version))
                throw new SideEyeException($"{source} has no field runtime.{spec.Key}, which {version} should have");
        return new RuntimeLayout(gSize, mSize, RuntimeFieldSpecs.All.Where(s => fields.ContainsKey(s.Key)).ToDictionary(s => s.Key, s => fields[s.Key], StringComparer.Ordinal));
    }

    static FieldLocation? Resolve(GoType type, string path)
    {
        long offset = 0;
        GoType current = type;
        foreach (var part in path.Split('.'))
        {
            var field = current.Fields.FirstOrDefault(f => f.Name == part);
            if (field is null) return null;
            offset += field.Offset;
            current = field.Type;
        }
        return new FieldLocation((int)offset, (int)current.Size, current.Name);
    }
}
