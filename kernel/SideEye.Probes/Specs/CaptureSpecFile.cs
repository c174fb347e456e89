using System.Text;
using System.Text.Json;

namespace SideEye.Probes.Specs;

/// <summary>
/// The capture spec as a file a team checks into its repository: JSON (comments and trailing commas allowed),
/// <code>
/// {
///   "version": 1,
///   "limits": { "stringBytes": 512, "sliceBytes": 512, "mapBytes": 2048, "pointerDepth": 8, "snapshotBytes": 4194304 },
///   "programs": [
///     { "binary": "api",
///       "functions": [ { "function": "main.(*server).handle", "capture": ["req.ID", "req.URL.Path"] } ] }
///   ]
/// }
/// </code>
/// Reading is strict: an unknown key, a wrong type or an expression that does not parse is an error naming
/// the file and the place (e.g. <c>programs[0].functions[1].capture[2]</c>).
/// </summary>
public static class CaptureSpecFile
{
    static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static CaptureSpec Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CaptureSpecException(path, $"cannot read the spec: {e.Message}");
        }
        return Parse(text, path);
    }

    public static CaptureSpec Parse(string json, string source = "spec")
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json, Options); }
        catch (JsonException e)
        {
            throw new CaptureSpecException(source, $"not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}");
        }
        using (document)
        {
            var root = document.RootElement;
            var at = new Place(source, "");
            Object(root, at, "version", "limits", "programs");
            if (root.TryGetProperty("version", out var version) && (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != CaptureSpec.FormatVersion))
                throw at.Error("version", $"version {version} is not {CaptureSpec.FormatVersion}, the version this SideEye reads");
            var limits = root.TryGetProperty("limits", out var l) ? Limits(l, at.Child("limits"), CaptureLimits.Default) : CaptureLimits.Default;
            var programs = new List<ProgramCaptures>();
            if (root.TryGetProperty("programs", out var ps))
            {
                var i = 0;
                foreach (var p in Array(ps, at.Child("programs")))
                    programs.Add(Program(p, at.Child($"programs[{i++}]")));
            }
            var duplicate = programs.GroupBy(p => p.Binary).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw at.Error("programs", $"binary \"{duplicate.Key}\" is listed {duplicate.Count()} times");
            return new CaptureSpec(programs, limits);
        }
    }

    static ProgramCaptures Program(JsonElement e, Place at)
    {
        Object(e, at, "binary", "functions", "limits");
        var binary = String(e, at, "binary");
        var limits = e.TryGetProperty("limits", out var l) ? Limits(l, at.Child("limits"), CaptureLimits.Default) : null;
        var functions = new List<FunctionCapture>();
        if (e.TryGetProperty("functions", out var fs))
        {
            var i = 0;
            foreach (var f in Array(fs, at.Child("functions")))
            {
                var fat = at.Child($"functions[{i++}]");
                Object(f, fat, "function", "capture");
                var name = String(f, fat, "function");
                if (!f.TryGetProperty("capture", out var c)) throw fat.Error("capture", "is missing: the expressions to collect");
                var expressions = new List<string>();
                var j = 0;
                foreach (var x in Array(c, fat.Child("capture")))
                {
                    var xat = fat.Child($"capture[{j++}]");
                    if (x.ValueKind != JsonValueKind.String) throw xat.Error(null, "must be a string");
                    try { CaptureExpression.Parse(x.GetString()!); }
                    catch (CaptureSpecException p) { throw xat.Error(null, $"{p.Why} in \"{x.GetString()}\""); }
                    expressions.Add(x.GetString()!);
                }
                if (functions.Any(existing => existing.Function == name)) throw fat.Error("function", $"\"{name}\" is listed twice for {binary}");
                functions.Add(new FunctionCapture(name, expressions));
            }
        }
        return new ProgramCaptures(binary, functions, limits);
    }

    static CaptureLimits Limits(JsonElement e, Place at, CaptureLimits defaults)
    {
        Object(e, at, "stringBytes", "sliceBytes", "mapBytes", "pointerDepth", "snapshotBytes");
        int Get(string key, int fallback, int max)
        {
            if (!e.TryGetProperty(key, out var v)) return fallback;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n) || n < 0 || n > max)
                throw at.Error(key, $"must be a whole number from 0 to {max}, not {v}");
            return n;
        }
        return new CaptureLimits(
            Get("stringBytes", defaults.StringBytes, CaptureLimits.MaxStringBytes), Get("sliceBytes", defaults.SliceBytes, CaptureLimits.MaxSliceBytes),
            Get("mapBytes", defaults.MapBytes, CaptureLimits.MaxMapBytes), Get("pointerDepth", defaults.PointerDepth, CaptureLimits.MaxPointerDepth),
            Get("snapshotBytes", defaults.SnapshotBytes, CaptureLimits.MaxSnapshotBytes));
    }

    public static void Save(CaptureSpec spec, string path) => File.WriteAllText(path, ToJson(spec));

    public static string ToJson(CaptureSpec spec)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", CaptureSpec.FormatVersion);
            if (spec.Limits != CaptureLimits.Default) WriteLimits(w, spec.Limits);
            w.WriteStartArray("programs");
            foreach (var p in spec.Programs)
            {
                w.WriteStartObject();
                w.WriteString("binary", p.Binary);
                if (p.Limits is { } l) WriteLimits(w, l);
                w.WriteStartArray("functions");
                foreach (var f in p.Functions)
                {
                    w.WriteStartObject();
                    w.WriteString("function", f.Function);
                    w.WriteStartArray("capture");
                    foreach (var x in f.Expressions) w.WriteStringValue(x);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    static void WriteLimits(Utf8JsonWriter w, CaptureLimits l)
    {
        w.WriteStartObject("limits");
        w.WriteNumber("stringBytes", l.StringBytes);
        w.WriteNumber("sliceBytes", l.SliceBytes);
        w.WriteNumber("mapBytes", l.MapBytes);
        w.WriteNumber("pointerDepth", l.PointerDepth);
        w.WriteNumber("snapshotBytes", l.SnapshotBytes);
        w.WriteEndObject();
    }

    sealed record Place(string Source, string Path)
    {
        public Place Child(string name) => this with { Path = Path.Length == 0 ? name : name.StartsWith('[') ? Path + name : $"{Path}.{name}" };
        public CaptureSpecException Error(string? key, string why) =>
            new($"{Source}: {(key is null ? Path : Child(key).Path)}", why);
    }

    static void Object(JsonElement e, Place at, params string[] keys)
    {
        if (e.ValueKind != JsonValueKind.Object) throw at.Error(null, $"must be an object, not {e.ValueKind.ToString().ToLowerInvariant()}");
        foreach (var p in e.EnumerateObject())
            if (!keys.Contains(p.Name)) throw at.Error(p.Name, $"is not a key SideEye knows (keys here: {string.Join(", ", keys)})");
    }

    static JsonElement.ArrayEnumerator Array(JsonElement e, Place at) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray() : throw at.Error(null, $"must be an array, not {e.ValueKind.ToString().ToLowerInvariant()}");

    static string String(JsonElement e, Place at, string key)
    {
        if (!e.TryGetProperty(key, out var v)) throw at.Error(key, "is missing");
        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString())) throw at.Error(key, "must be a non-empty string");
        return v.GetString()!;
    }

    static string FirstSentence(string message) => message.Split(". ")[0].TrimEnd('.');
}
