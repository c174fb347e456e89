using Microsoft.DotNet.Interactive.Directives;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye as the framework sees it: the subcommands, their options and help.</summary>
static class SideEyeDirective
{
    /// <summary>Subcommands whose lines hold words besides options: a function and Go expressions, a spec action and file, two snapshot ids.</summary>
    public static readonly IReadOnlySet<string> TakesWords = new HashSet<string>(StringComparer.Ordinal) { "capture", "spec", "diff", "search", "report", "column", "table", "link" };

    /// <summary>The directive with its subcommands and their options, each with its help text.</summary>
    public static KernelActionDirective Build()
    {
        var root = new KernelActionDirective("#!sideeye")
        {
            Description = "Debug running Go services: list them, snapshot every goroutine into DuckDB, look at the stacks",
        };
        // Where an unknown subcommand lands, so the root handler can name it.
        root.Parameters.Add(new KernelDirectiveParameter("--subcommand", "a subcommand") { AllowImplicitName = true });
        const string where = "Only processes whose label matches: KEY=VALUE, KEY!=VALUE, KEY~REGEX or KEY!~REGEX (keys: host, hostname, pid, program, " +
                             "environment, exe, go_version, cgroup or a fleet label); repeat to require several";
        var agent = "The agent to work through, https://HOST:PORT or unix:PATH (default: the connected one, else this machine)";
        var targets = new KernelActionDirective("targets")
        {
            Description = "List the Go processes on this machine or the agent's: pid, executable, Go version, uptime, goroutines",
            KernelCommandType = typeof(TargetsCommand),
        };
        targets.Parameters.Add(new KernelDirectiveParameter("--agent", agent));
        targets.Parameters.Add(Where(where + " (on the fleet #!sideeye fleet chose)"));
        root.Subcommands.Add(targets);
        var snapshot = new KernelActionDirective("snapshot")
        {
            Description = "Pause Go processes for about a millisecond and store every goroutine with its stack in DuckDB (root here, or through an agent)",
            KernelCommandType = typeof(SnapshotCommand),
        };
        snapshot.Parameters.Add(new KernelDirectiveParameter("--pid", "Processes to snapshot, comma-separated (e.g. 1234,5678)"));
        snapshot.Parameters.Add(new KernelDirectiveParameter("--exe", "Snapshot every Go process whose executable file is named this (comma-separated for several programs, e.g. frontend,backend: one snapshot of all)"));
        snapshot.Parameters.Add(new KernelDirectiveParameter("--max-frames", "Deepest stack collected per goroutine (2 to 1024, default 100)"));
        snapshot.Parameters.Add(new KernelDirectiveParameter("--note", "A note stored with the snapshot"));
        snapshot.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to append to (default {NotebookSession.DefaultDatabase} in the current directory)"));
        snapshot.Parameters.Add(new KernelDirectiveParameter("--agent", agent));
        snapshot.Parameters.Add(Where(where + " (on the fleet #!sideeye fleet chose: every process it selects, on every agent, at one instant)"));
        root.Subcommands.Add(snapshot);
        var stacks = new KernelActionDirective("stacks")
        {
            Description = "Goroutines of a stored snapshot grouped by identical stack, largest first, with an icicle chart of all of them",
            KernelCommandType = typeof(StacksCommand),
        };
        stacks.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to read (default {NotebookSession.DefaultDatabase} in the current directory)"));
        stacks.Parameters.Add(new KernelDirectiveParameter("--snapshot", "Snapshot id (default the latest)"));
        stacks.Parameters.Add(new KernelDirectiveParameter("--pid", "Only this process of the snapshot"));
        stacks.Parameters.Add(Where(where));
        stacks.Parameters.Add(new KernelDirectiveParameter("--filter", "Only stacks through a function whose name contains this"));
        root.Subcommands.Add(stacks);
        var diff = new KernelActionDirective("diff")
        {
            Description = "Stack groups that appeared, grew, shrank or went between two stored snapshots (leak hunting): diff [A B], default the latest two",
            KernelCommandType = typeof(DiffCommand),
        };
        diff.Parameters.Add(new KernelDirectiveParameter("--before", "The earlier snapshot's id (default: the one before --after)"));
        diff.Parameters.Add(new KernelDirectiveParameter("--after", "The later snapshot's id (default: the latest)"));
        diff.Parameters.Add(new KernelDirectiveParameter("--pid", "Only this process"));
        diff.Parameters.Add(Where(where));
        diff.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to read (default: the opened one, else {NotebookSession.DefaultDatabase})"));
        root.Subcommands.Add(diff);
        var open = new KernelActionDirective("open")
        {
            Description = "Use a DuckDB file of saved snapshots from now on (a postmortem), and list its snapshots",
            KernelCommandType = typeof(OpenCommand),
        };
        open.Parameters.Add(new KernelDirectiveParameter("--file", "The DuckDB file"));
        root.Subcommands.Add(open);
        var debugDir = new KernelActionDirective("debug-dir")
        {
            Description = "Look for stripped executables' separate debug files (.build-id/xx/rest.debug, debuglink targets) in a folder too, " +
                          "before SIDEEYE_DEBUG_DIRS, /usr/lib/debug and DEBUGINFOD_URLS; without --dir, say where they are looked for",
            KernelCommandType = typeof(DebugDirCommand),
        };
        debugDir.Parameters.Add(new KernelDirectiveParameter("--dir", "The folder of debug files"));
        root.Subcommands.Add(debugDir);
        var goroutine = new KernelActionDirective("goroutine")
        {
            Description = "One goroutine of a stored snapshot: its state, creator, labels and every frame with the values captured in it",
            KernelCommandType = typeof(GoroutineCommand),
        };
        goroutine.Parameters.Add(new KernelDirectiveParameter("--goid", "The goroutine's id"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--in", "Instead of --goid: the first goroutine (lowest id) whose stack passes through a function whose name contains this"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--report", "Instead of --goid: the goroutine a row of this report (a derived table that names goroutines) names, in its own order: the oldest request's, say"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--row", "With --report: which row, from 1 (default 1)"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--pid", "Its process (needed only when several processes of the snapshot have that goid)"));
        goroutine.Parameters.Add(Where(where + "; --where host=NAME with --pid names a process of a fleet"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--snapshot", "Snapshot id (default the latest)"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to read (default: the opened one, else {NotebookSession.DefaultDatabase})"));
        root.Subcommands.Add(goroutine);
        var search = new KernelActionDirective("search")
        {
            Description = "Find a text in a stored snapshot's captured values (a request id, say): search TEXT; names the goroutines and frames that hold it",
            KernelCommandType = typeof(SearchCommand),
        };
        search.Parameters.Add(new KernelDirectiveParameter("--snapshot", "Snapshot id (default the latest)"));
        search.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to read (default: the opened one, else {NotebookSession.DefaultDatabase})"));
        root.Subcommands.Add(search);
        var report = new KernelActionDirective("report")
        {
            Description = "One of the spec's derived tables (its \"tables\") in a stored snapshot: report NAME; a row that names a goroutine says how to open it",
            KernelCommandType = typeof(ReportCommand),
        };
        report.Parameters.Add(new KernelDirectiveParameter("--snapshot", "Snapshot id (default the latest)"));
        report.Parameters.Add(new KernelDirectiveParameter("--pid", "Only rows of this process"));
        report.Parameters.Add(Where(where));
        report.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to read (default: the opened one, else {NotebookSession.DefaultDatabase})"));
        root.Subcommands.Add(report);
        var column = new KernelActionDirective("column")
        {
            Description = "Add to the spec a column computed on a function's table: column FUNC NAME [--type TYPE] = SQL (over the table's columns); tried on the store, then saved",
            KernelCommandType = typeof(ColumnCommand),
        };
        column.Parameters.Add(new KernelDirectiveParameter("--type", "What the value becomes: timestamp_ns, timestamp, duration_ns, bytes, bigint, double, varchar, boolean, json"));
        column.Parameters.Add(new KernelDirectiveParameter("--exe", "The program, by its executable's file name (default: the one whose spec captures in FUNC)"));
        column.Parameters.Add(new KernelDirectiveParameter("--remove", "Remove the column") { Flag = true });
        root.Subcommands.Add(column);
        var table = new KernelActionDirective("table")
        {
            Description = "Add to the spec a derived table (a report): table NAME [--description TEXT] = SQL; tried on the store, then saved",
            KernelCommandType = typeof(TableCommand),
        };
        table.Parameters.Add(new KernelDirectiveParameter("--description", "What the report shows"));
        table.Parameters.Add(new KernelDirectiveParameter("--remove", "Remove the table") { Flag = true });
        root.Subcommands.Add(table);
        var link = new KernelActionDirective("link")
        {
            Description = "Add to the spec a link between two tables' rows: link NAME FROM(COLUMN,…) TO(COLUMN,…); tried on the store, then saved",
            KernelCommandType = typeof(LinkCommand),
        };
        link.Parameters.Add(new KernelDirectiveParameter("--remove", "Remove the link") { Flag = true });
        root.Subcommands.Add(link);
        var capture = new KernelActionDirective("capture")
        {
            Description = "Capture Go expressions in every frame of a function at the next snapshots: capture FUNC EXPR… [--exe NAME] [--remove]; " +
                $"saved at once to the spec file (default {NotebookSession.DefaultSpecFile} next to the notebook)",
            KernelCommandType = typeof(CaptureCommand),
        };
        capture.Parameters.Add(new KernelDirectiveParameter("--exe", "The program, by its executable's file name (needed while the spec has not exactly one program)"));
        capture.Parameters.Add(new KernelDirectiveParameter("--remove", "Stop capturing the expressions named (all of the function's when none is)") { Flag = true });
        root.Subcommands.Add(capture);
        var connect = new KernelActionDirective("connect")
        {
            Description = "Work through an agent from now on (targets, snapshot, capture checks): connect [URL] [--name NAME] [--cert PEM --key PEM --ca PEM]; " +
                "without URL, SIDEEYE_AGENT, else this machine's agent socket",
            KernelCommandType = typeof(ConnectCommand),
        };
        connect.Parameters.Add(new KernelDirectiveParameter("--url", "The agent: https://HOST:PORT or unix:PATH") { AllowImplicitName = true });
        connect.Parameters.Add(new KernelDirectiveParameter("--name", "What snapshots call the agent's machine (default: its hostname)"));
        connect.Parameters.Add(new KernelDirectiveParameter("--cert", "Client certificate (PEM) for a TLS agent (default SIDEEYE_CERT)"));
        connect.Parameters.Add(new KernelDirectiveParameter("--key", "The client certificate's key (PEM) (default SIDEEYE_KEY)"));
        connect.Parameters.Add(new KernelDirectiveParameter("--ca", "The fleet CA (PEM) the agent's certificate must chain to (default SIDEEYE_CA)"));
        connect.Parameters.Add(new KernelDirectiveParameter("--timeout", "Seconds any one call to the agent may take (default 30)"));
        root.Subcommands.Add(connect);
        var fleet = new KernelActionDirective("fleet")
        {
            Description = "Work on a whole fleet from now on (targets and snapshot take --where): fleet FILE, the team's fleet file of agents, certificates and program rules",
            KernelCommandType = typeof(FleetCommand),
        };
        fleet.Parameters.Add(new KernelDirectiveParameter("--file", "The fleet file (JSON)") { AllowImplicitName = true });
        fleet.Parameters.Add(new KernelDirectiveParameter("--timeout", "Seconds any one call to an agent may take (default 30)"));
        root.Subcommands.Add(fleet);
        root.Subcommands.Add(new KernelActionDirective("disconnect")
        {
            Description = "Work on this machine again (leaves the agent or fleet)",
            KernelCommandType = typeof(DisconnectCommand),
        });
        root.Subcommands.Add(new KernelActionDirective("spec")
        {
            Description = "The capture spec: spec show | spec load FILE (use that file from now on) | spec save FILE (write it there and use it)",
            KernelCommandType = typeof(SpecCommand),
        });
        // The framework parses options after an unknown subcommand against the root, and would reject them before
        // the root handler could name the subcommand: so the root accepts every subcommand's options too.
        foreach (var parameter in root.Subcommands.SelectMany(s => s.Parameters).DistinctBy(p => p.Name).ToArray())
            root.Parameters.Add(new KernelDirectiveParameter(parameter.Name, "see the subcommands") { Flag = parameter.Flag, MaxOccurrences = parameter.MaxOccurrences });
        return root;
    }

    /// <summary>How many --where a line may hold: more than anyone writes, fewer than a runaway paste.</summary>
    public const int MaxSelectors = 32;

    static KernelDirectiveParameter Where(string description) => new("--where", description) { MaxOccurrences = MaxSelectors };
}
