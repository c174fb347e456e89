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
/// Version 2 adds how captured values are organized (<see cref="ReportSpec"/>): per function <c>"columns"</c>
/// (<c>{ "name": "started", "sql": "\"req.Start\"->>'$'", "type": "timestamp" }</c>), and at the top <c>"tables"</c>
/// (<c>{ "name": "inflight", "description": "…", "sql": "SELECT …" }</c>) and <c>"links"</c>
/// (<c>{ "name": "request", "from": { "table": "inflight", "columns": ["id"] }, "to": { "table": "backend", "columns": ["id"] } }</c>),
/// and <c>"builtInCaptures": false</c> turns off what every snapshot captures unasked (<see cref="BuiltInCaptures"/>).
/// Reading is strict: an unknown key, a wrong type, a name used twice or an expression that does not parse is an
/// error naming the file and the place (e.g. <c>programs[0].functions[1].capture[2]</c>). Whether the SQL works can
/// only be told against a store (SideEye.Snapshots.Reports).
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
            Object(root, at, "version", "limits", "builtInCaptures", "programs", "tables", "links");
            var format = 1;
            if (root.TryGetProperty("version", out var version) && (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out format) || format is < 1 or > CaptureSpec.FormatVersion))
                throw at.Error("version", $"version {version} is not one this SideEye reads (1 or {CaptureSpec.FormatVersion})");
            var limits = root.TryGetProperty("limits", out var l) ? Limits(l, at.Child("limits"), CaptureLimits.Default) : CaptureLimits.Default;
            var programs = new List<ProgramCaptures>();
            var columns = new List<ReportColumn>();
            if (root.TryGetProperty("programs", out var ps))
            {
                var i = 0;
                foreach (var p in Array(ps, at.Child("programs")))
                    programs.Add(Program(p, at.Child($"programs[{i++}]"), format, columns));
            }
            var duplicate = programs.GroupBy(p => p.Binary).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw at.Error("programs", $"binary \"{duplicate.Key}\" is listed {duplicate.Count()} times");
            var tables = root.TryGetProperty("tables", out var ts) ? Tables(ts, at, format) : [];
            var links = root.TryGetProperty("links", out var ls) ? Links(ls, at, format) : [];
            var builtIns = true;
            if (root.TryGetProperty("builtInCaptures", out var b))
            {
                NeedsVersion2(format, at, "builtInCaptures");
                builtIns = b.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw at.Error("builtInCaptures", "must be true or false"),
                };
            }
            return new CaptureSpec(programs, limits) { Reports = new ReportSpec(columns, tables, links), BuiltIns = builtIns };
        }
    }

    static ProgramCaptures Program(JsonElement e, Place at, int format, List<ReportColumn> columns)
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
                Object(f, fat, "function", "capture", "columns");
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
                if (f.TryGetProperty("columns", out var cs)) columns.AddRange(Columns(cs, fat, format, binary, name, expressions));
            }
        }
        return new ProgramCaptures(binary, functions, limits);
    }

    static List<ReportColumn> Columns(JsonElement e, Place at, int format, string binary, string function, List<string> expressions)
    {
        NeedsVersion2(format, at, "columns");
        var columns = new List<ReportColumn>();
        var i = 0;
        foreach (var c in Array(e, at.Child("columns")))
        {
            var cat = at.Child($"columns[{i++}]");
            Object(c, cat, "name", "sql", "type");
            var name = Name(c, cat);
            // A column's name is a column of the function's table, beside the key columns and the captured ones.
            if (columns.Any(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase)) || expressions.Contains(name, StringComparer.OrdinalIgnoreCase)
                || ReservedColumns.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw cat.Error("name", $"\"{name}\" is already a column of {function}'s table");
            var type = c.TryGetProperty("type", out var t) ? ColumnType(t, cat.Child("type")) : (ReportColumnType?)null;
            columns.Add(new ReportColumn(binary, function, name, String(c, cat, "sql"), type, cat.ToString()));
        }
        return columns;
    }

    /// <summary>The key columns every function table starts with.</summary>
    static readonly string[] ReservedColumns = ["snapshot_id", "host", "pid", "goid", "depth"];

    static List<ReportTable> Tables(JsonElement e, Place at, int format)
    {
        NeedsVersion2(format, at, "tables");
        var tables = new List<ReportTable>();
        var i = 0;
        foreach (var t in Array(e, at.Child("tables")))
        {
            var tat = at.Child($"tables[{i++}]");
            Object(t, tat, "name", "description", "sql");
            var name = Name(t, tat);
            if (tables.FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase)) is { } earlier)
                throw tat.Error("name", $"\"{name}\" is already the name of {earlier.Place[(earlier.Place.IndexOf(": ", StringComparison.Ordinal) + 2)..]}");
            var description = t.TryGetProperty("description", out _) ? String(t, tat, "description") : null;
            tables.Add(new ReportTable(name, description, String(t, tat, "sql"), tat.ToString()));
        }
        return tables;
    }

    static List<ReportLink> Links(JsonElement e, Place at, int format)
    {
        NeedsVersion2(format, at, "links");
        var links = new List<ReportLink>();
        var i = 0;
        foreach (var l in Array(e, at.Child("links")))
        {
            var lat = at.Child($"links[{i++}]");
            Object(l, lat, "name", "from", "to");
            var name = Name(l, lat);
            if (links.Any(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase))) throw lat.Error("name", $"\"{name}\" names another link already");
            var from = End(l, lat, "from");
            var to = End(l, lat, "to");
            if (from.Columns.Count != to.Columns.Count)
                throw lat.Error("to", $"has {to.Columns.Count} columns and \"from\" {from.Columns.Count}: a link pairs them one to one");
            links.Add(new ReportLink(name, from, to, lat.ToString()));
        }
        return links;
    }

    static LinkEnd End(JsonElement link, Place at, string key)
    {
        if (!link.TryGetProperty(key, out var e)) throw at.Error(key, "is missing: { \"table\": …, \"columns\": [ … ] }");
        var eat = at.Child(key);
        Object(e, eat, "table", "columns");
        var table = String(e, eat, "table");
        if (!e.TryGetProperty("columns", out var cs)) throw eat.Error("columns", "is missing");
        var columns = new List<string>();
        var j = 0;
        foreach (var c in Array(cs, eat.Child("columns")))
        {
            if (c.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(c.GetString())) throw eat.Child($"columns[{j}]").Error(null, "must be a non-empty string");
            columns.Add(c.GetString()!);
            j++;
        }
        if (columns.Count == 0) throw eat.Error("columns", "must name at least one column");
        return new LinkEnd(table, columns);
    }

    /// <summary>A name that is an SQL identifier as written: letters, digits and underscores, not starting with a digit.</summary>
    static string Name(JsonElement e, Place at)
    {
        var name = String(e, at, "name");
        if (!(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw at.Error("name", $"\"{name}\" must be letters, digits and underscores, not starting with a digit");
        return name;
    }

    static ReportColumnType ColumnType(JsonElement e, Place at)
    {
        var text = e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
        return TypeNames.TryGetValue(text, out var type) ? type
            : throw at.Error(null, $"\"{text}\" is not a column type SideEye knows ({string.Join(", ", TypeNames.Keys)})");
    }

    static readonly Dictionary<string, ReportColumnType> TypeNames = Enum.GetValues<ReportColumnType>()
        .ToDictionary(t => System.Text.RegularExpressions.Regex.Replace(t.ToString(), "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant(), t => t, StringComparer.Ordinal);

    /// <summary>The spelling of <paramref name="type"/> in a spec file.</summary>
    public static string TypeName(ReportColumnType type) => TypeNames.First(kv => kv.Value == type).Key;

    static void NeedsVersion2(int format, Place at, string key)
    {
        if (format < 2) throw at.Error(key, $"needs \"version\": {CaptureSpec.FormatVersion} (version {format} specs only capture)");
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
            // A spec without reports stays readable by a SideEye that knows only version 1.
            w.WriteNumber("version", spec.Reports.IsEmpty && spec.BuiltIns ? 1 : CaptureSpec.FormatVersion);
            if (spec.Limits != CaptureLimits.Default) WriteLimits(w, spec.Limits);
            if (!spec.BuiltIns) w.WriteBoolean("builtInCaptures", false);
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
                    var columns = spec.Reports.Columns.Where(c => c.Binary == p.Binary && c.Function == f.Function).ToArray();
                    if (columns.Length > 0)
                    {
                        w.WriteStartArray("columns");
                        foreach (var c in columns)
                        {
                            w.WriteStartObject();
                            w.WriteString("name", c.Name);
                            w.WriteString("sql", c.Sql);
                            if (c.Type is { } type) w.WriteString("type", TypeName(type));
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteReports(w, spec.Reports);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    static void WriteReports(Utf8JsonWriter w, ReportSpec reports)
    {
        if (reports.Tables.Count > 0)
        {
            w.WriteStartArray("tables");
            foreach (var t in reports.Tables)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Name);
                if (t.Description is { } description) w.WriteString("description", description);
                w.WriteString("sql", t.Sql);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (reports.Links.Count == 0) return;
        w.WriteStartArray("links");
        foreach (var l in reports.Links)
        {
            w.WriteStartObject();
            w.WriteString("name", l.Name);
            foreach (var (key, end) in new[] { ("from", l.From), ("to", l.To) })
            {
                w.WriteStartObject(key);
                w.WriteString("table", end.Table);
                w.WriteStartArray("columns");
                foreach (var c in end.Columns) w.WriteStringValue(c);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
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
        public override string ToString() => $"{Source}: {Path}";
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
