using System.Globalization;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// What notebooks/fleet.ipynb must show after a run against its three machines: the prod processes named by the
/// rules, one snapshot of exactly the two api processes (the demos on node-0 and node-1, whose pids may be equal)
/// with both hosts on the fleet line, stack groups spanning both hosts, a goroutine of node-1 up close, and SQL over
/// the fleet that agrees with what the machines run. Nothing is left stopped.
/// </summary>
static class FleetChecks
{
    public const string Notebook = "fleet.ipynb";

    public static void Check(ExecutedNotebook notebook, FleetMachines fleet, string runFolder)
    {
        notebook.AssertNoCellFailed();
        foreach (var demo in fleet.Demos) demo.AssertRunning();

        var targets = HtmlTables.WithColumns(notebook.Cell("#!sideeye targets --where environment=prod").Html, "host", "pid", "program", "environment", "labels");
        var listed = targets.Rows.Select(r => (targets.Cell(r, "host"), targets.Cell(r, "pid"), targets.Cell(r, "program"), targets.Cell(r, "environment"))).Order().ToArray();
        var expected = fleet.Demos.Select((d, i) => (FleetMachines.Name(i), d.Pid.ToString(CultureInfo.InvariantCulture), "api", "prod")).Order().ToArray();
        Assert.Equal(expected, listed);

        var snapshot = notebook.Cell("#!sideeye snapshot --where program=api");
        Assert.Contains("2 processes on 2 hosts, probes", HtmlTables.Text(snapshot.Html));
        var rows = HtmlTables.WithColumns(snapshot.Html, "host", "program", "pid", "error");
        Assert.Equal(expected.Select(e => (e.Item1, e.Item3, e.Item2, "")).Order(),
            rows.Rows.Select(r => (rows.Cell(r, "host"), rows.Cell(r, "program"), rows.Cell(r, "pid"), rows.Cell(r, "error"))).Order());

        // The workers' group spans both machines' demos.
        Assert.Contains("in 2 processes on 2 hosts", HtmlTables.Text(notebook.Cell("#!sideeye stacks --where program=api").Html));
        var closeUp = HtmlTables.Text(notebook.Cell("#!sideeye goroutine --in main.fetch").Html);
        Assert.Contains("node-1", closeUp);
        Assert.Contains("main.fetch", closeUp);

        var places = SqlTables.WithColumns(notebook.Cell("#!sideeye-sql\nWITH latest").Html, "place", "host", "goroutines", "processes");
        Assert.Contains(places.Rows, r => places.Cell(r, "place") == "main.worker" && places.Cell(r, "goroutines") == "4");
        Assert.All(places.Rows, r => Assert.Contains(places.Cell(r, "host"), new[] { "node-0", "node-1" }));

        // The store holds exactly the two api processes, each with its goroutines, on one timeline.
        var stored = StoreChecks.Query(Path.Combine(runFolder, "sideeye.duckdb"),
            "SELECT host, pid, program, environment, labels->>'rack' AS rack, probe_at IS NOT NULL AS timed, (SELECT count(*) FROM goroutines g WHERE g.snapshot_id = p.snapshot_id AND g.host = p.host AND g.pid = p.pid) >= 5 AS goroutines FROM processes p ORDER BY host");
        Assert.Equal(fleet.Demos.Select((d, i) => $"{FleetMachines.Name(i)},{d.Pid},api,prod,r{i + 1},true,true").Prepend("host,pid,program,environment,rack,timed,goroutines"), stored);
        var spread = SqlTables.WithColumns(notebook.Cell("#!sideeye-sql\nSELECT count(*) AS processes").Html, "processes", "hosts", "spread_us");
        Assert.Equal(("2", "2"), (spread.Cell(spread.Rows[0], "processes"), spread.Cell(spread.Rows[0], "hosts")));
    }
}
