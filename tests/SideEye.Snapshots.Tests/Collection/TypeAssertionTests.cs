using System.Text.Json.Nodes;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// x.(T) in captures, on every toolchain, against what testdata/values printed about its package variables: an
/// interface{} holding an int, a Shape holding a *Circle and an error holding a *fmt.wrapError give the value inside
/// (through a field too); asserting another type, or asserting on a nil interface, gives no value and says why; a type
/// that is not there, or asserting on something that is not an interface, is the process's one-line error, before anything is loaded.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class TypeAssertionTests
{
    static readonly string[] Expressions =
    [
        "main.gAnyInt.(int)", "main.gShapePtr.(*main.Circle).R", "main.gShapePtr.(*Circle)", "main.gWrapped.(*fmt.wrapError).msg",
        "main.gAnyInt.(string)", "main.gShapePtr.(main.Square)", "main.gNilAny.(int)",
    ];

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void An_interfaces_value_is_captured_as_the_type_it_holds_and_only_that(string release)
    {
        Requires.Root();
        using var program = new ValuesProgram(GoToolchains.Get(release));
        using var snapshotter = new LocalSnapshotter { Captures = CaptureSpec.Empty.WithCapture(Path.GetFileName(program.BinaryPath), "main.holdScalars", Expressions) };
        var process = snapshotter.Take([program.Pid]).Processes.Single();
        Assert.True(process.Error is null, process.Error);
        var got = process.Captures!.ToDictionary(c => c.Expression);
        var globals = program.Globals;
        Assert.Equal(globals["main.gAnyInt"]!["value"]!.ToJsonString(), got["main.gAnyInt.(int)"].ValueJson);
        Assert.Equal(globals["main.gShapePtr"]!["value"]!["R"]!.ToJsonString(), got["main.gShapePtr.(*main.Circle).R"].ValueJson);
        Assert.True(JsonNode.DeepEquals(globals["main.gShapePtr"]!["value"], JsonNode.Parse(got["main.gShapePtr.(*Circle)"].ValueJson!)), got["main.gShapePtr.(*Circle)"].ValueJson);
        Assert.Equal(globals["main.gWrapped"]!["value"]!["msg"]!.ToJsonString(), got["main.gWrapped.(*fmt.wrapError).msg"].ValueJson);
        Assert.StartsWith("main.gAnyInt holds another type than string (it holds a int", got["main.gAnyInt.(string)"].Unavailable);
        Assert.StartsWith("main.gShapePtr holds another type than main.Square", got["main.gShapePtr.(main.Square)"].Unavailable);
        Assert.Equal("main.gNilAny is a nil interface", got["main.gNilAny.(int)"].Unavailable);
        Assert.All(new[] { "main.gAnyInt.(string)", "main.gShapePtr.(main.Square)", "main.gNilAny.(int)" }, e => Assert.Null(got[e].ValueJson));
    }

    [Fact]
    public void A_type_not_there_or_a_value_that_is_no_interface_is_refused_in_one_line()
    {
        Requires.Root();
        using var program = new ValuesProgram(GoToolchains.Newest);
        var binary = Path.GetFileName(program.BinaryPath);
        foreach (var (expression, why) in new[]
        {
            ("main.gShapePtr.(*main.Nothing)", "no type *main.Nothing in the binary's DWARF"),
            ("main.gInt.(int)", "main.gInt is not an interface (its type is int)"),
        })
        {
            using var snapshotter = new LocalSnapshotter { Captures = CaptureSpec.Empty.WithCapture(binary, "main.holdScalars", expression) };
            var error = snapshotter.Take([program.Pid]).Processes.Single().Error;
            Assert.NotNull(error);
            Assert.Contains(why, error, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error);
        }
        Assert.Empty(Procfs.StoppedThreads(program.Pid));
    }
}
