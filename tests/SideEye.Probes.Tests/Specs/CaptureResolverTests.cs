using SideEye.GoRuntime;
using SideEye.Probes.Specs;
using SideEye.Testing;

namespace SideEye.Probes.Tests.Specs;

/// <summary>
/// Expressions resolved against testdata/demo's DWARF on every toolchain; the expected types are the demo's own
/// declarations (type Job struct { ID int64; Name string; Payload []byte; Deadline time.Time }, Cache with
/// mu sync.Mutex and items map[string]*Job, func process(j *Job, results chan&lt;- int64) with a local sum int64).
/// </summary>
public class CaptureResolverTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Expressions_get_the_types_the_program_declares(string release)
    {
        var resolver = new CaptureResolver(GoBinary.Open(GoFixture.Build("demo", GoToolchains.Get(release))));
        string Type(string function, string expression) => resolver.Resolve(function, expression).TypeName;

        Assert.Equal("*main.Job", Type("main.process", "j"));
        Assert.Equal("main.Job", Type("main.process", "*j"));
        Assert.Equal("int64", Type("main.process", "j.ID"));
        Assert.Equal("string", Type("main.process", "(*j).Name"));
        Assert.Equal("[]uint8", Type("main.process", "j.Payload"));
        Assert.Equal("uint8", Type("main.process", "j.Payload[3]"));
        Assert.Equal("uint8", Type("main.process", "j.Name[0]"));
        Assert.Equal("int", Type("main.process", "len(j.Payload)"));
        Assert.Equal("int", Type("main.process", "cap(j.Payload)"));
        Assert.Equal("time.Time", Type("main.process", "j.Deadline"));
        Assert.Equal("chan<- int64", Type("main.process", "results"));
        Assert.Equal("int", Type("main.process", "len(results)"));
        Assert.Equal("int64", Type("main.process", "sum"));
        Assert.Equal("map[string]*main.Job", Type("main.(*Cache).Put", "c.items"));
        Assert.Equal("string", Type("main.(*Cache).Put", "c.items[\"k\"].Name"));
        Assert.Equal("int", Type("main.(*Cache).Put", "len(c.items)"));
        Assert.Equal("sync.Mutex", Type("main.(*Cache).Put", "c.mu"));
        // Package variables, with a path holding a slash, and fields through their pointers.
        Assert.Equal("[]string", Type("main.process", "os.Args"));
        Assert.Equal("string", Type("main.process", "os.Args[0]"));
        Assert.Equal("*net/http.ServeMux", Type("main.process", "net/http.DefaultServeMux"));

        var local = resolver.Resolve("main.process", "j.Name");
        Assert.Equal("j", local.Local!.Name);
        Assert.True(local.Local.IsParameter);
        var global = resolver.Resolve("main.process", "os.Args");
        Assert.Equal("os.Args", global.Global!.Name);
        Assert.NotEqual(0UL, global.Global.Address);
    }

    [Theory]
    [InlineData("main.proces", "j", "no such function in demo (did you mean main.process?)")]
    [InlineData("main.process", "jj", "jj is not a parameter or local of main.process, nor a package (it has: j, results, sum)")]
    [InlineData("main.process", "j.Nmae", "type main.Job has no field Nmae (did you mean Name? fields: ID, Name, Payload, Deadline)")]
    [InlineData("main.process", "sum.x", "type int64 is not a struct (or a pointer to one), it has no fields")]
    [InlineData("main.process", "*sum", "cannot dereference sum: its type int64 is not a pointer")]
    [InlineData("main.process", "sum[0]", "cannot index sum: type int64 is not a string, array, slice or map")]
    [InlineData("main.process", "j.Payload[\"k\"]", "j.Payload (type []uint8) is indexed by a non-negative integer, not \"k\"")]
    [InlineData("main.(*Cache).Put", "c.items[1]", "c.items (type map[string]*main.Job) has string keys, not an integer")]
    [InlineData("main.process", "len(j.ID)", "len(j.ID) does not apply to type int64")]
    [InlineData("main.process", "cap(j.Name)", "cap(j.Name) does not apply to type string")]
    [InlineData("main.process", "os.Argz", "no package variable os.Argz (did you mean os.Args?)")]
    [InlineData("main.process", "j[", "expected an index or a key, found the end")]
    public void What_cannot_work_is_refused_exactly(string function, string expression, string message)
    {
        var resolver = new CaptureResolver(GoBinary.Open(GoFixture.Build("demo", GoToolchains.Newest)));
        var e = Assert.Throws<CaptureSpecException>(() => resolver.Resolve(function, expression));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_binary_without_DWARF_is_a_clear_error()
    {
        var e = Assert.Throws<SideEyeException>(() => new CaptureResolver(GoBinary.Open(GoFixture.Build("demo", GoToolchains.Newest, GoBuildFlags.Stripped))));
        Assert.Contains("no DWARF", e.Message);
        Assert.Contains("captures need debug info", e.Message);
    }
}
