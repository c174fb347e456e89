using SideEye.Snapshots.Model;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Tests.Selection;

/// <summary>
/// Selectors read as written, fail in one line when they cannot be, and give the same answer in memory (choosing
/// live processes) as in SQL over a store's processes (choosing stored ones).
/// </summary>
public sealed class SelectorTests
{
    [Theory]
    [InlineData("program=api", "program", SelectorOperator.Equal, "api")]
    [InlineData("environment!=prod", "environment", SelectorOperator.NotEqual, "prod")]
    [InlineData("host~^web-[0-9]+$", "host", SelectorOperator.Match, "^web-[0-9]+$")]
    [InlineData("zone!~east", "zone", SelectorOperator.NotMatch, "east")]
    [InlineData("app.kubernetes.io/name=a=b", "app.kubernetes.io/name", SelectorOperator.Equal, "a=b")]
    [InlineData("team=", "team", SelectorOperator.Equal, "")]
    public void ParsesTheFourForms(string text, string key, SelectorOperator op, string value)
    {
        var s = Selector.Parse(text);
        Assert.Equal((key, op, value), (s.Key, s.Operator, s.Value));
        Assert.Equal(text, s.ToString());
    }

    [Theory]
    [InlineData("program", "selector 'program': no operator")]
    [InlineData("=api", "selector '=api': no key before the operator")]
    [InlineData("1st=x", "selector '1st=x': '1st' is not a label name")]
    [InlineData("a b=x", "selector 'a b=x': 'a b' is not a label name")]
    [InlineData("team!x", "selector 'team!x': '!' is not an operator")]
    [InlineData("program=~api", "selector 'program=~api': a regex match is written program~REGEX")]
    [InlineData("zone~(east", "selector 'zone~(east': bad regex: ")]
    [InlineData("zone~(a)\\1", "selector 'zone~(a)\\1': bad regex: ")]
    public void AMalformedSelectorIsOneLineSayingWhy(string text, string start)
    {
        var e = Assert.Throws<SelectorException>(() => Selector.Parse(text));
        Assert.StartsWith(start, e.Message);
        Assert.EndsWith("(write KEY=VALUE, KEY!=VALUE, KEY~REGEX or KEY!~REGEX)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(text, e.Selector);
    }

    [Fact]
    public void AMissingLabelEqualsNothingAndMatchesNothing()
    {
        var labels = new Dictionary<string, string> { ["zone"] = "east-1" };
        Assert.True(Selector.Parse("zone=east-1").Matches(labels));
        Assert.False(Selector.Parse("team=x").Matches(labels));
        Assert.True(Selector.Parse("team!=x").Matches(labels));
        Assert.False(Selector.Parse("team~.*").Matches(labels));
        Assert.True(Selector.Parse("team!~.*").Matches(labels));
        Assert.False(Selector.Parse("team=").Matches(labels));
        // A regex matches anywhere unless anchored, as DuckDB's regexp_matches does.
        Assert.True(Selector.Parse("zone~ast").Matches(labels));
        Assert.False(Selector.Parse("zone~^ast").Matches(labels));
    }

    /// <summary>Processes with the labels the keys name, some missing, one value with a quote.</summary>
    static readonly ProcessSnapshot[] Fleet =
    [
        Process("web-1", 4000, "/srv/api", "prod", new() { ["zone"] = "east-1", ["app.kubernetes.io/name"] = "web" }),
        Process("web-2", 4000, "/srv/api (deleted)", "prod", new() { ["zone"] = "west-1", ["team"] = "o'brien" }),
        Process("web-2", 4100, "/srv/worker", "staging", null) with { Program = "jobs" },
        Process("db-1", 77, "/usr/bin/pgproxy", null, new() { ["zone"] = "East-2" }),
        Process("db-1", 0, "", null, null) with { Program = null },
    ];

    static ProcessSnapshot Process(string host, int pid, string exe, string? environment, Dictionary<string, string>? labels) =>
        new(pid, host + ".internal", exe, exe.Length == 0 ? "" : "go1.25.3", 1, 1, false, exe.Length == 0 ? "agent unreachable" : null, [])
        {
            Host = host,
            Environment = environment,
            Labels = labels,
        };

    public static TheoryData<string> Cases() =>
    [
        "host=web-2", "host!=web-2", "host~^web-", "host!~^web-", "hostname=db-1.internal", "pid=4000", "pid!=4000", "pid~^4",
        "program=api", "program!=api", "program=jobs", "program~^(api|jobs)$", "program!~api", "environment=prod", "environment!=prod",
        "environment~.", "environment!~.", "environment=", "exe~deleted", "exe=", "go_version~^go1\\.25", "zone=east-1", "zone!=east-1",
        "zone~east", "zone~(?i)east", "zone!~east", "team=o'brien", "team!=o'brien", "app.kubernetes.io/name=web", "missing=x",
        "missing!=x", "missing~.*", "missing!~.*", "zone~^[a-z]+-[0-9]$", "team~'",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void InMemoryAndSqlAgree(string text)
    {
        var selector = Selector.Parse(text);
        using var store = SnapshotStore.Open(":memory:");
        var id = store.Append(new Snapshot(0, DateTimeOffset.UnixEpoch, null, Fleet));
        var inMemory = Fleet.Where(selector.Matches).Select(p => $"{p.Host}/{p.Pid}").Order(StringComparer.Ordinal).ToArray();
        var inSql = store.Query($"SELECT p.host || '/' || p.pid FROM processes p WHERE p.snapshot_id = {id} AND {selector.ToSql("p")}")
            .Rows.Select(r => (string)r[0]!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(inMemory, inSql);
    }

    [Fact]
    public void SeveralSelectorsMustAllHold()
    {
        var filter = ProcessFilter.Of(where: ["environment=prod", "zone~west"]);
        Assert.Equal("where environment=prod zone~west", filter.ToString());
        Assert.Equal(["web-2/4000"], Fleet.Where(p => Selector.All(filter.Where!, k => Selector.Label(p, k))).Select(p => $"{p.Host}/{p.Pid}"));
        using var store = SnapshotStore.Open(":memory:");
        store.Append(new Snapshot(0, DateTimeOffset.UnixEpoch, null, Fleet));
        Assert.Equal("web-2/4000", store.Query($"SELECT p.host || '/' || p.pid FROM processes p WHERE {filter.ToSql("p")}").Rows.Single()[0]);
        Assert.Equal("true", ProcessFilter.All.ToSql("p"));
        Assert.Equal("process 4000 on web-1", new ProcessFilter("web-1", 4000).ToString());
    }
}
