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
    [InlineData("""{ "version": 2 }""", "version: version 2 is not 1")]
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
