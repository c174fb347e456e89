using SideEye.Probes.Specs;

namespace SideEye.Probes.Tests.Specs;

public class CaptureSpecFileTests
{
    const string Sample = """
        {
          // a team's spec: comments and trailing commas are fine
          "version": 1,
          "limits": { "stringBytes": 128 },
          "programs": [
            { "binary": "api",
              "limits": { "pointerDepth": 4, "mapBytes": 100 },
              "functions": [
                { "function": "main.(*server).handle", "capture": ["req.ID", "len(req.Header)"] },
                { "function": "main.worker", "capture": ["job"], },
              ] },
          ]
        }
        """;

    [Fact]
    public void Reads_programs_functions_expressions_and_limits()
    {
        var spec = CaptureSpecFile.Parse(Sample, "team.json");
        Assert.Equal(CaptureLimits.Default with { StringBytes = 128 }, spec.Limits);
        var api = Assert.Single(spec.Programs);
        Assert.Equal("api", api.Binary);
        Assert.Equal(CaptureLimits.Default with { PointerDepth = 4, MapBytes = 100 }, api.Limits);
        Assert.Equal(["main.(*server).handle", "main.worker"], api.Functions.Select(f => f.Function));
        Assert.Equal(["req.ID", "len(req.Header)"], api.Functions[0].Expressions);
        Assert.Same(api, spec.For("/usr/local/bin/api"));
        Assert.Null(spec.For("/usr/local/bin/api2"));
    }

    [Fact]
    public void Writes_what_it_reads()
    {
        var spec = CaptureSpecFile.Parse(Sample);
        var again = CaptureSpecFile.Parse(CaptureSpecFile.ToJson(spec));
        Assert.Equal(spec, again);
        var path = Path.Combine(Path.GetTempPath(), $"spec-{Guid.NewGuid():n}.json");
        try
        {
            CaptureSpecFile.Save(spec, path);
            Assert.Equal(spec, CaptureSpecFile.Load(path));
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("""{ "programs": [ { "binary": "a", "functions": [ { "function": "f", "capture": ["x["] } ] } ] }""", "programs[0].functions[0].capture[0]: expected an index or a key, found the end in \"x[\"")]
    [InlineData("""{ "programs": [ { "binary": "a", "funcs": [] } ] }""", "programs[0].funcs: is not a key SideEye knows (keys here: binary, functions, limits)")]
    [InlineData("""{ "version": 3 }""", "version: version 3 is not one this SideEye reads (1 or 2)")]
    [InlineData("""{ "version": 1, "tables": [] }""", "tables: needs \"version\": 2 (version 1 specs only capture)")]
    [InlineData("""{ "programs": [ { "binary": "a", "functions": [ { "function": "f", "capture": ["x"], "columns": [] } ] } ] }""", "programs[0].functions[0].columns: needs \"version\": 2")]
    [InlineData("""{ "version": 2, "programs": [ { "binary": "a", "functions": [ { "function": "f", "capture": ["x"], "columns": [ { "name": "x", "sql": "1" } ] } ] } ] }""", "programs[0].functions[0].columns[0].name: \"x\" is already a column of f's table")]
    [InlineData("""{ "version": 2, "programs": [ { "binary": "a", "functions": [ { "function": "f", "capture": ["x"], "columns": [ { "name": "pid", "sql": "1" } ] } ] } ] }""", "columns[0].name: \"pid\" is already a column of f's table")]
    [InlineData("""{ "version": 2, "programs": [ { "binary": "a", "functions": [ { "function": "f", "capture": ["x"], "columns": [ { "name": "t", "sql": "1", "type": "date" } ] } ] } ] }""", "columns[0].type: \"date\" is not a column type SideEye knows (timestamp_ns, timestamp, duration_ns, bytes,")]
    [InlineData("""{ "version": 2, "programs": [ { "binary": "a", "functions": [ { "function": "f", "capture": ["x"], "columns": [ { "name": "t" } ] } ] } ] }""", "columns[0].sql: is missing")]
    [InlineData("""{ "version": 2, "tables": [ { "name": "1st", "sql": "SELECT 1" } ] }""", "tables[0].name: \"1st\" must be letters, digits and underscores")]
    [InlineData("""{ "version": 2, "tables": [ { "name": "r", "sql": "SELECT 1" }, { "name": "R", "sql": "SELECT 2" } ] }""", "tables[1].name: \"R\" is already the name of tables[0]")]
    [InlineData("""{ "version": 2, "tables": [ { "name": "r", "sql": "SELECT 1", "query": "x" } ] }""", "tables[0].query: is not a key SideEye knows (keys here: name, description, sql)")]
    [InlineData("""{ "version": 2, "links": [ { "name": "l", "from": { "table": "a", "columns": ["x", "y"] }, "to": { "table": "b", "columns": ["x"] } } ] }""", "links[0].to: has 1 columns and \"from\" 2: a link pairs them one to one")]
    [InlineData("""{ "version": 2, "links": [ { "name": "l", "from": { "table": "a", "columns": [] }, "to": { "table": "b", "columns": ["x"] } } ] }""", "links[0].from.columns: must name at least one column")]
    [InlineData("""{ "version": 2, "links": [ { "name": "l", "from": { "table": "a", "columns": ["x"] } } ] }""", "links[0].to: is missing")]
    [InlineData("""{ "limits": { "stringBytes": -1 } }""", "limits.stringBytes: must be a whole number from 0 to")]
    [InlineData("""{ "programs": [ { "binary": "a" }, { "binary": "a" } ] }""", "programs: binary \"a\" is listed 2 times")]
    [InlineData("""{ "programs": [ { "binary": "a", "functions": [ { "function": "f" } ] } ] }""", "programs[0].functions[0].capture: is missing")]
    [InlineData("""{ "programs": [ { "functions": [] } ] }""", "programs[0].binary: is missing")]
    [InlineData("""{ "programs": { } }""", "programs: must be an array, not object")]
    [InlineData("""{ "programs": [ """, "not valid JSON at line 1")]
    public void Refuses_a_bad_spec_naming_the_place(string json, string message)
    {
        var e = Assert.Throws<CaptureSpecException>(() => CaptureSpecFile.Parse(json, "team.json"));
        Assert.StartsWith("team.json: ", e.Message);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    const string Version2 = """
        { "version": 2,
          "programs": [ { "binary": "api", "functions": [ { "function": "main.(*server).handle",
              "capture": ["req.ID", "req.Start"],
              "columns": [ { "name": "started", "sql": "\"req.Start\"->>'$'", "type": "timestamp" }, { "name": "id", "sql": "\"req.ID\"" } ] } ] } ],
          "tables": [ { "name": "inflight", "description": "requests being served", "sql": "SELECT goid, id, started FROM main_server_handle" } ],
          "links": [ { "name": "request", "from": { "table": "inflight", "columns": ["id"] }, "to": { "table": "backend", "columns": ["request_id"] } } ] }
        """;

    [Fact]
    public void Reads_and_writes_columns_tables_and_links_of_version_2()
    {
        var spec = CaptureSpecFile.Parse(Version2, "team.json");
        Assert.Equal(["req.ID", "req.Start"], spec.For("api")!.Functions[0].Expressions);
        Assert.Equal([("main.(*server).handle", "started", ReportColumnType.Timestamp, "team.json: programs[0].functions[0].columns[0]"), ("main.(*server).handle", "id", (ReportColumnType?)null, "team.json: programs[0].functions[0].columns[1]")],
            spec.Reports.Columns.Select(c => (c.Function, c.Name, c.Type, c.Place)));
        var table = Assert.Single(spec.Reports.Tables);
        Assert.Equal(("inflight", "requests being served", "team.json: tables[0]"), (table.Name, table.Description, table.Place));
        var link = Assert.Single(spec.Reports.Links);
        Assert.Equal(("request", "inflight", "id", "backend", "request_id"), (link.Name, link.From.Table, link.From.Columns[0], link.To.Table, link.To.Columns[0]));
        var json = CaptureSpecFile.ToJson(spec);
        Assert.Contains("\"version\": 2", json);
        var again = CaptureSpecFile.Parse(json, "team.json");
        Assert.Equal(spec, again);
        // Without reports, the file stays version 1, which older SideEyes read.
        Assert.Contains("\"version\": 1", CaptureSpecFile.ToJson(CaptureSpec.Empty.WithCapture("api", "main.handle", "req.ID")));
    }

    [Fact]
    public void Built_in_captures_are_on_unless_the_spec_turns_them_off()
    {
        Assert.True(CaptureSpecFile.Parse(Version2, "team.json").BuiltIns);
        var off = CaptureSpecFile.Parse("""{ "version": 2, "builtInCaptures": false, "programs": [] }""", "team.json");
        Assert.False(off.BuiltIns);
        var json = CaptureSpecFile.ToJson(off);
        Assert.Contains("\"builtInCaptures\": false", json);
        Assert.Equal(off, CaptureSpecFile.Parse(json, "team.json"));
        // A version 1 file does not know the key, and a value that is not a boolean is refused where it is.
        Assert.Contains("needs \"version\": 2", Assert.Throws<CaptureSpecException>(() => CaptureSpecFile.Parse("""{ "version": 1, "builtInCaptures": false }""", "team.json")).Message);
        Assert.Contains("builtInCaptures: must be true or false", Assert.Throws<CaptureSpecException>(() => CaptureSpecFile.Parse("""{ "version": 2, "builtInCaptures": "no" }""", "team.json")).Message);
    }

    [Fact]
    public void Edits_return_new_specs()
    {
        var spec = CaptureSpec.Empty
            .WithCapture("api", "main.handle", "req.ID", "req.URL.Path")
            .WithCapture("api", "main.handle", "req.ID", "len(req.Header)")
            .WithCapture("api", "main.worker", "job")
            .WithCapture("batch", "main.run", "n");
        Assert.Equal(["req.ID", "req.URL.Path", "len(req.Header)"], spec.For("api")!.Functions[0].Expressions);
        Assert.Equal(2, spec.Programs.Count);
        var fewer = spec.WithoutCapture("api", "main.handle", "req.URL.Path").WithoutCapture("batch", "main.run");
        Assert.Equal(["req.ID", "len(req.Header)"], fewer.For("api")!.Functions[0].Expressions);
        Assert.Null(fewer.For("batch"));
        // The original is unchanged.
        Assert.Equal(3, spec.For("api")!.Functions[0].Expressions.Count);
        Assert.NotNull(spec.For("batch"));
        Assert.Throws<CaptureSpecException>(() => spec.WithCapture("api", "main.handle", "req."));
    }
}
