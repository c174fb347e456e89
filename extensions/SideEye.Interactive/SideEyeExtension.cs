using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using SideEye.Interactive.Directives;
using SideEye.Interactive.Formatters;
using SideEye.Interactive.Subcommands;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive;

/// <summary>
/// The notebook entry point: <see cref="Load"/> adds the #!sideeye magic command and the formatters of its
/// results. Each subcommand is parse → engine call → display; the work is in the engine.
/// </summary>
public static class SideEyeExtension
{
    const string DefaultDatabase = NotebookSession.DefaultDatabase;

    public static void Load(Kernel kernel) => Load(kernel, Environment.CurrentDirectory);

    /// <param name="directory">Where relative paths (the default database and spec file, --db, --file) point.</param>
    internal static void Load(Kernel kernel, string directory)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        Formatter.Register<GoTargets>((targets, writer) => writer.Write(HtmlViews.Style + HtmlViews.Targets(targets)), HtmlFormatter.MimeType);
        Formatter.Register<SnapshotSummary>((summary, writer) => writer.Write(HtmlViews.Style + HtmlViews.Snapshot(summary)), HtmlFormatter.MimeType);
        Formatter.Register<StacksView>((view, writer) => writer.Write(HtmlViews.Style + HtmlViews.Stacks(view)), HtmlFormatter.MimeType);
        Formatter.Register<DiffView>((view, writer) => writer.Write(HtmlViews.Style + HtmlViews.Diff(view)), HtmlFormatter.MimeType);
        Formatter.Register<OpenedStore>((opened, writer) => writer.Write(HtmlViews.Style + HtmlViews.Opened(opened)), HtmlFormatter.MimeType);
        Formatter.Register<SpecView>((view, writer) => writer.Write(HtmlViews.Style + HtmlViews.Spec(view)), HtmlFormatter.MimeType);
        Formatter.Register<GoroutineDetail>((detail, writer) => writer.Write(HtmlViews.Style + HtmlViews.Goroutine(detail)), HtmlFormatter.MimeType);

        var session = new NotebookSession(directory);
        kernel.RegisterForDisposal(session);
        var snapshotter = session.Snapshotter;

        var root = Directive();
        kernel.AddDirective<SideEyeRootCommand>(root, (command, context) => Root(root, command, context));
        kernel.RegisterCommandHandler<TargetsCommand>((command, context) => Run(root, command, context, () => Targets(command, context)));
        kernel.RegisterCommandHandler<SnapshotCommand>((command, context) => Run(root, command, context, () => Snapshot(snapshotter, session, command, context)));
        // plotly.js (3.6 MB) goes into the notebook with the first chart only.
        var plotlyIncluded = false;
        kernel.RegisterCommandHandler<StacksCommand>((command, context) => Run(root, command, context, () =>
        {
            Stacks(session, command, context, !plotlyIncluded);
            plotlyIncluded = true;
        }));
        kernel.RegisterCommandHandler<DiffCommand>((command, context) => Run(root, command, context, () => Diff(session, command, WordsOf(root, command, "diff"), context)));
        kernel.RegisterCommandHandler<OpenCommand>((command, context) => Run(root, command, context, () => Open(session, command, context)));
        kernel.RegisterCommandHandler<CaptureCommand>((command, context) => Run(root, command, context, () =>
            Return(context, command, SpecEditing.Capture(session, command, WordsOf(root, command, "capture")))));
        kernel.RegisterCommandHandler<SpecCommand>((command, context) => Run(root, command, context, () =>
            Return(context, command, SpecEditing.Spec(session, WordsOf(root, command, "spec")))));
        kernel.RegisterCommandHandler<GoroutineCommand>((command, context) => Run(root, command, context, () => Goroutine(session, command, context)));
        Sql.SqlKernel.AddTo(kernel, session);
    }

    static KernelActionDirective Directive()
    {
        var root = new KernelActionDirective("#!sideeye")
        {
            Description = "Debug running Go services: list them, snapshot every goroutine into DuckDB, look at the stacks",
        };
        // Where an unknown subcommand lands, so the root handler can name it.
        root.Parameters.Add(new KernelDirectiveParameter("--subcommand", "a subcommand") { AllowImplicitName = true });
        root.Subcommands.Add(new KernelActionDirective("targets")
        {
            Description = "List the Go processes on this machine: pid, executable, Go version, uptime, goroutines",
            KernelCommandType = typeof(TargetsCommand),
        });
        var snapshot = new KernelActionDirective("snapshot")
        {
            Description = "Pause Go processes for about a millisecond and store every goroutine with its stack in DuckDB (needs root)",
            KernelCommandType = typeof(SnapshotCommand),
        };
        snapshot.Parameters.Add(new KernelDirectiveParameter("--pid", "Processes to snapshot, comma-separated (e.g. 1234,5678)"));
        snapshot.Parameters.Add(new KernelDirectiveParameter("--exe", "Snapshot every Go process whose executable file is named this"));
        snapshot.Parameters.Add(new KernelDirectiveParameter("--max-frames", "Deepest stack collected per goroutine (2 to 1024, default 100)"));
        snapshot.Parameters.Add(new KernelDirectiveParameter("--note", "A note stored with the snapshot"));
        snapshot.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to append to (default {DefaultDatabase} in the current directory)"));
        root.Subcommands.Add(snapshot);
        var stacks = new KernelActionDirective("stacks")
        {
            Description = "Goroutines of a stored snapshot grouped by identical stack, largest first, with an icicle chart of all of them",
            KernelCommandType = typeof(StacksCommand),
        };
        stacks.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to read (default {DefaultDatabase} in the current directory)"));
        stacks.Parameters.Add(new KernelDirectiveParameter("--snapshot", "Snapshot id (default the latest)"));
        stacks.Parameters.Add(new KernelDirectiveParameter("--pid", "Only this process of the snapshot"));
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
        diff.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to read (default: the opened one, else {DefaultDatabase})"));
        root.Subcommands.Add(diff);
        var open = new KernelActionDirective("open")
        {
            Description = "Use a DuckDB file of saved snapshots from now on (a postmortem), and list its snapshots",
            KernelCommandType = typeof(OpenCommand),
        };
        open.Parameters.Add(new KernelDirectiveParameter("--file", "The DuckDB file"));
        root.Subcommands.Add(open);
        var goroutine = new KernelActionDirective("goroutine")
        {
            Description = "One goroutine of a stored snapshot: its state, creator, labels and every frame with the values captured in it",
            KernelCommandType = typeof(GoroutineCommand),
        };
        goroutine.Parameters.Add(new KernelDirectiveParameter("--goid", "The goroutine's id"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--in", "Instead of --goid: the first goroutine (lowest id) whose stack passes through a function whose name contains this"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--pid", "Its process (needed only when several processes of the snapshot have that goid)"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--snapshot", "Snapshot id (default the latest)"));
        goroutine.Parameters.Add(new KernelDirectiveParameter("--db", $"DuckDB file to read (default: the opened one, else {DefaultDatabase})"));
        root.Subcommands.Add(goroutine);
        var capture = new KernelActionDirective("capture")
        {
            Description = "Capture Go expressions in every frame of a function at the next snapshots: capture FUNC EXPR… [--exe NAME] [--remove]; " +
                $"saved at once to the spec file (default {NotebookSession.DefaultSpecFile} next to the notebook)",
            KernelCommandType = typeof(CaptureCommand),
        };
        capture.Parameters.Add(new KernelDirectiveParameter("--exe", "The program, by its executable's file name (needed while the spec has not exactly one program)"));
        capture.Parameters.Add(new KernelDirectiveParameter("--remove", "Stop capturing the expressions named (all of the function's when none is)") { Flag = true });
        root.Subcommands.Add(capture);
        root.Subcommands.Add(new KernelActionDirective("spec")
        {
            Description = "The capture spec: spec show | spec load FILE (use that file from now on) | spec save FILE (write it there and use it)",
            KernelCommandType = typeof(SpecCommand),
        });
        // The framework parses options after an unknown subcommand against the root, and would reject them before
        // the root handler could name the subcommand: so the root accepts every subcommand's options too.
        foreach (var parameter in root.Subcommands.SelectMany(s => s.Parameters).DistinctBy(p => p.Name).ToArray())
            root.Parameters.Add(new KernelDirectiveParameter(parameter.Name, "see the subcommands") { Flag = parameter.Flag });
        return root;
    }

    static Task Root(KernelActionDirective root, SideEyeRootCommand command, KernelInvocationContext context)
    {
        if (Submitted(command) is { } code && DirectiveLineCheck.FirstProblem(root, code, TakesWords) is { } problem)
        {
            context.Fail(command, null, problem);
            return Task.CompletedTask;
        }
        var known = string.Join(", ", root.Subcommands.Select(s => s.Name));
        if (command.Subcommand is { } word)
        {
            context.Fail(command, null, $"{root.Name}: unknown subcommand '{word}' (known: {known})");
            return Task.CompletedTask;
        }
        KernelInvocationContextExtensions.Display(context, string.Join("\n", root.Subcommands.Select(s => $"{root.Name} {s.Name}: {s.Description}")), PlainTextFormatter.MimeType);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs a subcommand after checking the submitted text for what the framework dropped; a
    /// <see cref="SideEyeException"/> fails the submission with its one line, anything else is a bug and keeps its stack.
    /// </summary>
    static Task Run(KernelActionDirective root, KernelCommand command, KernelInvocationContext context, Action action)
    {
        if (Submitted(command) is { } code && DirectiveLineCheck.FirstProblem(root, code, TakesWords) is { } problem)
        {
            context.Fail(command, null, problem);
            return Task.CompletedTask;
        }
        try { action(); }
        catch (SideEyeException e) { context.Fail(command, null, $"{root.Name}: {e.Message}"); }
        return Task.CompletedTask;
    }

    /// <summary>Subcommands whose lines hold words besides options: a function and Go expressions, a spec action and file.</summary>
    static readonly IReadOnlySet<string> TakesWords = new HashSet<string>(StringComparer.Ordinal) { "capture", "spec", "diff" };

    /// <summary>How many lines of each submission's subcommand have been handled: commands run in the order of their lines.</summary>
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SubmitCode, Dictionary<string, int>> Handled = [];

    /// <summary>The words after the subcommand on the line this command came from.</summary>
    static IReadOnlyList<string> WordsOf(KernelActionDirective root, KernelCommand command, string subcommand)
    {
        var submit = SubmittedCommand(command) ?? throw new SideEyeException($"{subcommand}: the submitted text is not available");
        var lines = DirectiveLineCheck.Invocations(root, submit.Code, subcommand);
        var handled = Handled.GetOrCreateValue(submit);
        lock (handled)
        {
            var index = handled.GetValueOrDefault(subcommand);
            handled[subcommand] = index + 1;
            return index < lines.Count ? lines[index] : throw new SideEyeException($"{subcommand}: cannot find its line in the submitted text");
        }
    }

    static void Return<T>(KernelInvocationContext context, KernelCommand command, T value) where T : notnull =>
        context.Publish(new ReturnValueProduced(value, command, FormattedValue.CreateManyFromObject(value, HtmlFormatter.MimeType, PlainTextFormatter.MimeType)));

    /// <summary>The code of the submission this directive came from (the framework splits a cell into one command per directive).</summary>
    static string? Submitted(KernelCommand command) => SubmittedCommand(command)?.Code;

    static SubmitCode? SubmittedCommand(KernelCommand command)
    {
        for (var c = command.Parent; c is not null; c = c.Parent)
            if (c is SubmitCode submit) return submit;
        return null;
    }

    static void Targets(TargetsCommand command, KernelInvocationContext context)
    {
        var targets = new GoTargets(GoProcesses.List());
        context.Publish(new ReturnValueProduced(targets, command, FormattedValue.CreateManyFromObject(targets, HtmlFormatter.MimeType, PlainTextFormatter.MimeType)));
    }

    static void Snapshot(LocalSnapshotter snapshotter, NotebookSession session, SnapshotCommand command, KernelInvocationContext context)
    {
        var pids = Targets(command);
        var maxFrames = command.MaxFrames ?? 100;
        if (maxFrames is < 2 or > 1024) throw new SideEyeException($"--max-frames must be between 2 and 1024, not {maxFrames}");
        // The snapshotter's frame limit is fixed when it is made: another limit gets a snapshotter of its own for this call.
        using var own = maxFrames == snapshotter.MaxFrames ? null : new LocalSnapshotter { MaxFrames = maxFrames };
        (own ?? snapshotter).Captures = session.Spec;
        var snapshot = (own ?? snapshotter).Take(pids, command.Note);
        var database = session.Resolve(command.Db);
        using (var store = SnapshotStore.Open(database))
            snapshot = snapshot with { SnapshotId = store.Append(snapshot) };
        var summary = new SnapshotSummary(snapshot, database);
        context.Publish(new ReturnValueProduced(summary, command, FormattedValue.CreateManyFromObject(summary, HtmlFormatter.MimeType, PlainTextFormatter.MimeType)));
        if (snapshot.Processes.FirstOrDefault(p => p.Error is not null) is { } failed)
            throw new SideEyeException($"process {failed.Pid}: {failed.Error}");
    }

    static void Stacks(NotebookSession session, StacksCommand command, KernelInvocationContext context, bool includePlotly)
    {
        var database = session.Resolve(command.Db);
        using var store = SnapshotStore.OpenReadOnly(database);
        var id = SnapshotChoice.Resolve(store, command.Snapshot);
        var groups = StackGroups.Of(store, id, command.Pid, command.Filter);
        if (groups.Count == 0 && command.Filter is null)
            throw new SideEyeException(command.Pid is { } pid ? $"snapshot {id} has no goroutines of process {pid}" : $"snapshot {id} has no goroutines");
        var values = GroupValues.Of(groups, FrameValues.Of(store, id, command.Pid));
        var view = new StacksView(id, database, command.Filter, groups, StackTree.Of(groups), includePlotly, values);
        context.Publish(new ReturnValueProduced(view, command, FormattedValue.CreateManyFromObject(view, HtmlFormatter.MimeType, PlainTextFormatter.MimeType)));
    }

    static void Goroutine(NotebookSession session, GoroutineCommand command, KernelInvocationContext context)
    {
        if ((command.Goid is null) == (command.In is null)) throw new SideEyeException("goroutine needs either --goid N or --in FUNC");
        var database = session.Resolve(command.Db);
        using var store = SnapshotStore.OpenReadOnly(database);
        var id = SnapshotChoice.Resolve(store, command.Snapshot);
        var inProcess = command.Pid is { } pid ? $" in process {pid}" : "";
        var detail = command.Goid is { } goid
            ? GoroutineDetails.Of(store, id, goid, command.Pid) ?? throw new SideEyeException($"snapshot {id} has no goroutine {goid}{inProcess}")
            : GoroutineDetails.Through(store, id, command.In!, command.Pid) ?? throw new SideEyeException($"snapshot {id} has no goroutine in a function matching '{command.In}'{inProcess}");
        Return(context, command, detail);
    }

    /// <param name="words">The line's words: "diff A B" names the snapshots without --before and --after.</param>
    static void Diff(NotebookSession session, DiffCommand command, IReadOnlyList<string> words, KernelInvocationContext context)
    {
        var (askedBefore, askedAfter) = (command.Before, command.After);
        var ids = new List<long>();
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i].StartsWith("--", StringComparison.Ordinal)) { i++; continue; }
            ids.Add(long.TryParse(words[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                ? id : throw new SideEyeException($"diff: '{words[i]}' is not a snapshot id"));
        }
        if (ids.Count > 0 && (askedBefore is not null || askedAfter is not null)) throw new SideEyeException("diff takes the snapshots as A B or as --before A --after B, not both");
        if (ids.Count > 2) throw new SideEyeException("diff compares two snapshots: diff A B");
        if (ids.Count > 0) (askedBefore, askedAfter) = ids.Count == 2 ? ((long?)ids[0], (long?)ids[1]) : ((long?)null, (long?)ids[0]);
        var database = session.Resolve(command.Db);
        using var store = SnapshotStore.OpenReadOnly(database);
        var after = SnapshotChoice.Resolve(store, askedAfter);
        var before = askedBefore is { } asked ? SnapshotChoice.Resolve(store, asked) : SnapshotChoice.Before(store, after);
        var changes = StackGroupDiff.Between(StackGroups.Of(store, before, command.Pid), StackGroups.Of(store, after, command.Pid));
        var view = new DiffView(before, after, database, changes);
        context.Publish(new ReturnValueProduced(view, command, FormattedValue.CreateManyFromObject(view, HtmlFormatter.MimeType, PlainTextFormatter.MimeType)));
    }

    static void Open(NotebookSession session, OpenCommand command, KernelInvocationContext context)
    {
        var database = session.FullPath(command.File ?? throw new SideEyeException("open needs a FILE"));
        using var store = SnapshotStore.OpenReadOnly(database);
        var rows = store.Query(
            "SELECT s.snapshot_id, s.note, count(p.pid), CAST(coalesce(sum(p.goroutines), 0) AS BIGINT), epoch_ms(s.taken_at) " +
            "FROM snapshots s LEFT JOIN processes p USING (snapshot_id) GROUP BY ALL ORDER BY s.snapshot_id").Rows;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var snapshots = rows.Select(r => new StoredSnapshot(Convert.ToInt64(r[0], invariant),
            DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(r[4], invariant)), r[1] as string,
            Convert.ToInt32(r[2], invariant), Convert.ToInt64(r[3], invariant))).ToArray();
        session.Database = database;
        var opened = new OpenedStore(database, snapshots);
        context.Publish(new ReturnValueProduced(opened, command, FormattedValue.CreateManyFromObject(opened, HtmlFormatter.MimeType, PlainTextFormatter.MimeType)));
    }

    /// <summary>The pids asked for: the --pid list, or every Go process running an executable named --exe.</summary>
    static int[] Targets(SnapshotCommand command)
    {
        if ((command.Pid is null) == (command.Exe is null)) throw new SideEyeException("snapshot needs either --pid PID[,PID…] or --exe NAME");
        if (command.Pid is { } list)
        {
            var pids = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) && pid > 0
                    ? pid : throw new SideEyeException($"--pid: '{p}' is not a process id"))
                .Distinct().ToArray();
            return pids.Length > 0 ? pids : throw new SideEyeException("--pid: no process id given");
        }
        var matching = GoProcesses.List().Where(p => Path.GetFileName(p.Exe) == command.Exe).Select(p => p.Pid).ToArray();
        return matching.Length > 0 ? matching : throw new SideEyeException($"--exe: no Go process runs an executable named '{command.Exe}'");
    }
}
