using System.Globalization;
using System.Text.Json.Nodes;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// Captures through the whole path (spec → probe → decoder → rows) on testdata/requests, every toolchain: each
/// parked main.(*server).handle frame gives one row per expression, and the three requests the program printed
/// carry exactly the values it printed.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class CaptureRequestsTests(ITestOutputHelper output)
{
    static readonly string[] Expressions = ["req.ID", "req.Path", "req.User", "req.Tags", "len(req.Tags)"];

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Every_handle_frame_has_the_values_the_program_printed(string release)
    {
        Requires.Root();
        const int n = 200;
        var toolchain = GoToolchains.Get(release);
        using var target = LaunchedProgram.StartUntilReady(GoFixture.Build("requests", toolchain), ["-n", n.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        var printed = target.Lines.Where(l => l.StartsWith("request ", StringComparison.Ordinal))
            .Select(l => JsonNode.Parse(l.Split(' ', 3)[2])!.AsObject()).ToArray();
        Assert.Equal(3, printed.Length);

        using var snapshotter = new LocalSnapshotter { Captures = CaptureSpec.Empty.WithCapture("requests", "main.(*server).handle", Expressions) };
        Procfs.FaultIn(target.Pid);
        var process = snapshotter.Take([target.Pid]).Processes[0];
        Assert.True(process.Error is null, process.Error);
        var captures = process.Captures!;
        output.WriteLine($"go{release}: {captures.Count} values, pause {process.PauseNs / 1e6:F2} ms");
        var frames = captures.GroupBy(c => (c.Goid, c.Depth)).ToArray();
        Assert.Equal(n, frames.Length);
        foreach (var frame in frames)
        {
            Assert.Equal(Expressions.Order(), frame.Select(c => c.Expression).Order());
            var goroutine = process.Goroutines.Single(g => g.Goid == frame.Key.Goid);
            Assert.Equal("main.(*server).handle", goroutine.Frames[frame.Key.Depth].Func);
            foreach (var c in frame) Assert.True(c.ValueJson is not null, $"go{release} goroutine {c.Goid} {c.Expression}: {c.Unavailable}");
        }
        var byId = frames.ToDictionary(f => f.Single(c => c.Expression == "req.ID").ValueJson!, f => f.ToDictionary(c => c.Expression, c => c.ValueJson!));
        foreach (var expected in printed)
        {
            var values = byId[expected["req.ID"]!.ToJsonString()];
            foreach (var e in Expressions)
                Assert.True(JsonNode.DeepEquals(expected[e], JsonNode.Parse(values[e])), $"go{release} request {expected["req.ID"]} {e}: printed {expected[e]!.ToJsonString()}, captured {values[e]}");
        }
        Assert.Equal("int64", captures.First(c => c.Expression == "req.ID").Type);
        Assert.Equal("[]string", captures.First(c => c.Expression == "req.Tags").Type);
    }
}
