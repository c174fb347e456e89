using System.Globalization;
using SideEye.Testing;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// What notebooks/remote.ipynb must show after a run against an agent: the kernel's user (an ordinary one under
/// Jupyter), the agent connected with the fleet's client certificate, the demo in the agent's PID namespace listed
/// and snapshotted twice by its own pid (the second time with the probe the agent kept), captured values, rows that
/// name the agent's machine as the notebook called it, and the agent's audit log naming the client for each snapshot.
/// The snapshot stored is the one a local root snapshot of the demo takes: the same workers' stack, frame for frame.
/// </summary>
static class RemoteChecks
{
    public const string Notebook = "remote.ipynb";

    public static void Check(ExecutedNotebook notebook, AgentMachine machine, string runFolder, bool ordinaryUser)
    {
        notebook.AssertNoCellFailed();
        machine.Demo.AssertRunning();
        var pid = machine.Demo.Pid.ToString(CultureInfo.InvariantCulture);

        var who = HtmlTables.Text(notebook.Cell("var status =").Html);
        if (ordinaryUser)
        {
            Assert.Contains("nobody", who);
            Assert.Contains("0000000000000000", who); // no capability at all
        }

        var connected = HtmlTables.Text(notebook.Cell("#!sideeye connect").Html);
        Assert.Contains($"connected: the live subcommands work through this agent now", connected);
        Assert.Contains(machine.Agent.Url, connected);
        Assert.Contains("recorded as app-host", connected);
        Assert.Contains("CN=alice", connected);

        var targets = HtmlTables.WithColumns(notebook.Cell("#!sideeye targets").Html, "pid", "executable", "Go");
        Assert.Contains(targets.Rows, r => targets.Cell(r, "pid") == pid && targets.Cell(r, "executable") == machine.Demo.Executable);

        foreach (var (start, reused) in new[] { ("#!sideeye snapshot --exe demo --note \"through", false), ("#!sideeye snapshot --exe demo --note \"again", true) })
        {
            var html = notebook.Cell(start).Html;
            var snapshot = HtmlTables.WithColumns(html, "pid", "goroutines", "captured", "error", "probe");
            var row = Assert.Single(snapshot.Rows);
            Assert.Equal((pid, ""), (snapshot.Cell(row, "pid"), snapshot.Cell(row, "error")));
            Assert.Matches(@"^\d+ values in \d+ frames", snapshot.Cell(row, "captured"));
            Assert.Equal(reused, snapshot.Cell(row, "probe").Contains("reused", StringComparison.Ordinal));
        }

        var processes = SqlTables.WithColumns(notebook.Cell("#!sideeye-sql\nSELECT p.host").Html, "host", "pid", "goroutines");
        var process = Assert.Single(processes.Rows);
        Assert.Equal(("app-host", pid), (processes.Cell(process, "host"), processes.Cell(process, "pid")));
        var fetches = SqlTables.WithColumns(notebook.Cell("#!sideeye-sql\nSELECT f.goid").Html, "goid", "id", "url");
        Assert.NotEmpty(fetches.Rows);
        Assert.All(fetches.Rows, r => Assert.Equal($"http://inventory.internal/items/{fetches.Cell(r, "id")}", fetches.Cell(r, "url")));

        Assert.Equal(2, machine.Agent.AuditLines().Count(l => (string?)l["call"] == "Snapshot" && (string?)l["outcome"] == "ok" && (string?)l["caller"] == "CN=alice"
            && (int?)l["pid"] == machine.Demo.Pid));
        StoreChecks.SameWorkersAsLocal(Path.Combine(runFolder, "sideeye.duckdb"), machine.Demo);
    }
}
