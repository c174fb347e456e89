using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using SideEye.Interactive.Directives;
using SideEye.Interactive.Formatters;
using SideEye.Interactive.Subcommands;
using SideEye.Snapshots.Analysis;

namespace SideEye.Interactive;

/// <summary>
/// The notebook entry point: <see cref="Load"/> adds the #!sideeye magic command and the formatters of its
/// results. Each subcommand is parse → engine call → display; the work is in the engine.
/// </summary>
public static class SideEyeExtension
{
    public static void Load(Kernel kernel) => Load(kernel, Environment.CurrentDirectory);

    /// <param name="directory">Where relative paths (the default database and spec file, --db, --file) point.</param>
    internal static void Load(Kernel kernel, string directory)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        Formatter.Register<GoTargets>((targets, writer) => writer.Write(HtmlViews.Style + HtmlViews.Targets(targets)), HtmlFormatter.MimeType);
        Formatter.Register<SnapshotSummary>((summary, writer) => writer.Write(HtmlViews.Style + HtmlViews.Snapshot(summary)), HtmlFormatter.MimeType);
        Formatter.Register<StacksView>((view, writer) => writer.Write(HtmlViews.Style + HtmlViews.Stacks(view)), HtmlFormatter.MimeType);
        Formatter.Register<DiffView>((view, writer) => writer.Write(HtmlViews.Style + HtmlViews.Diff(view)), HtmlFormatter.MimeType);
        Formatter.Register<ReportView>((view, writer) => writer.Write(HtmlViews.Style + HtmlViews.Report(view)), HtmlFormatter.MimeType);
        Formatter.Register<SearchView>((view, writer) => writer.Write(HtmlViews.Style + HtmlViews.Search(view)), HtmlFormatter.MimeType);
        Formatter.Register<OpenedStore>((opened, writer) => writer.Write(HtmlViews.Style + HtmlViews.Opened(opened)), HtmlFormatter.MimeType);
        Formatter.Register<SpecView>((view, writer) => writer.Write(HtmlViews.Style + HtmlViews.Spec(view)), HtmlFormatter.MimeType);
        Formatter.Register<GoroutineDetail>((detail, writer) => writer.Write(HtmlViews.Style + HtmlViews.Goroutine(detail)), HtmlFormatter.MimeType);
        Formatter.Register<FleetTargets>((targets, writer) => writer.Write(HtmlViews.Style + HtmlViews.Fleet(targets)), HtmlFormatter.MimeType);
        Formatter.Register<AgentView>((view, writer) => writer.Write(HtmlViews.Style + HtmlViews.Agent(view)), HtmlFormatter.MimeType);

        var session = new NotebookSession(directory);
        kernel.RegisterForDisposal(session);

        var root = SideEyeDirective.Build();
        kernel.AddDirective<SideEyeRootCommand>(root, (command, context) => Root(root, command, context));
        Handle<TargetsCommand>(kernel, root, async (command, context) =>
        {
            var where = SubmittedText.Values(SubmittedText.WordsOf(root, command, "targets"), "--where");
            if (session.Fleet is not null && command.Agent is null) Return(context, command, await Fleets.Targets(session, where));
            else if (where.Count > 0) throw new SideEyeException(Fleets.WhereNeedsFleet);
            else Return(context, command, await Snapshotting.Targets(session, command));
        });
        Handle<SnapshotCommand>(kernel, root, async (command, context) =>
        {
            var where = SubmittedText.Values(SubmittedText.WordsOf(root, command, "snapshot"), "--where");
            if (where.Count > 0 && (session.Fleet is null || command.Agent is not null))
                throw new SideEyeException(Fleets.WhereNeedsFleet);
            var summary = session.Fleet is not null && command.Agent is null ? await Fleets.Take(session, command, where) : await Snapshotting.Take(session, command);
            Return(context, command, summary);
            Snapshotting.ThrowIfAnyFailed(summary);
        });
        Handle<FleetCommand>(kernel, root, async (command, context) => Return(context, command, await Fleets.Open(session, command)));
        Handle<ConnectCommand>(kernel, root, async (command, context) => Return(context, command, await Connecting.Connect(session, command)));
        Handle<DisconnectCommand>(kernel, root, (command, context) =>
        {
            session.Agents.Disconnect();
            session.UseFleet(null);
            Return(context, command, "snapshots are taken on this machine again");
        });
        // plotly.js (3.6 MB) goes into the notebook with the first chart only.
        var plotlyIncluded = false;
        Handle<StacksCommand>(kernel, root, (command, context) =>
        {
            Return(context, command, StoredSnapshots.Stacks(session, command, SubmittedText.WordsOf(root, command, "stacks"), !plotlyIncluded));
            plotlyIncluded = true;
        });
        Handle<GoroutineCommand>(kernel, root, (command, context) => Return(context, command, StoredSnapshots.Goroutine(session, command, SubmittedText.WordsOf(root, command, "goroutine"))));
        Handle<ReportCommand>(kernel, root, (command, context) => Return(context, command, StoredSnapshots.Report(session, command, SubmittedText.WordsOf(root, command, "report"))));
        Handle<ColumnCommand>(kernel, root, (command, context) =>
            Return(context, command, ReportEditing.Column(session, command, SubmittedText.WordsOf(root, command, "column"), SubmittedText.LineOf(root, command, "column"))));
        Handle<TableCommand>(kernel, root, (command, context) =>
            Return(context, command, ReportEditing.Table(session, command, SubmittedText.WordsOf(root, command, "table"), SubmittedText.LineOf(root, command, "table"))));
        Handle<LinkCommand>(kernel, root, (command, context) => Return(context, command, ReportEditing.Link(session, command, SubmittedText.WordsOf(root, command, "link"))));
        Handle<SearchCommand>(kernel, root, (command, context) => Return(context, command, StoredSnapshots.Search(session, command, SubmittedText.WordsOf(root, command, "search"))));
        Handle<DiffCommand>(kernel, root, (command, context) => Return(context, command, StoredSnapshots.Diff(session, command, SubmittedText.WordsOf(root, command, "diff"))));
        Handle<OpenCommand>(kernel, root, (command, context) => Return(context, command, StoredSnapshots.Open(session, command)));
        Handle<DebugDirCommand>(kernel, root, (command, context) =>
        {
            var sources = command.Dir is { } dir ? session.AddDebugDirectory(dir) : session.DebugInfo;
            Return(context, command, $"debug files are looked for in {string.Join(", ", sources.Directories)}" +
                                     (sources.Servers.Count == 0 ? "; no debuginfod servers (DEBUGINFOD_URLS)" : $"; then from debuginfod at {string.Join(", ", sources.Servers)}"));
        });
        Handle<CaptureCommand>(kernel, root, (command, context) => Return(context, command, SpecEditing.Capture(session, command, SubmittedText.WordsOf(root, command, "capture"))));
        Handle<SpecCommand>(kernel, root, (command, context) => Return(context, command, SpecEditing.Spec(session, SubmittedText.WordsOf(root, command, "spec"))));
        Sql.SqlKernel.AddTo(kernel, session);
    }

    static Task Root(KernelActionDirective root, SideEyeRootCommand command, KernelInvocationContext context)
    {
        if (SubmittedText.Submitted(command) is { } code && DirectiveLineCheck.FirstProblem(root, code, SideEyeDirective.TakesWords) is { } problem)
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
    static void Handle<T>(Kernel kernel, KernelActionDirective root, Action<T, KernelInvocationContext> action) where T : KernelCommand =>
        Handle<T>(kernel, root, (command, context) =>
        {
            action(command, context);
            return Task.CompletedTask;
        });

    static void Handle<T>(Kernel kernel, KernelActionDirective root, Func<T, KernelInvocationContext, Task> action) where T : KernelCommand =>
        kernel.RegisterCommandHandler<T>(async (command, context) =>
        {
            if (SubmittedText.Submitted(command) is { } code && DirectiveLineCheck.FirstProblem(root, code, SideEyeDirective.TakesWords) is { } problem)
            {
                context.Fail(command, null, problem);
                return;
            }
            try { await action(command, context); }
            catch (SideEyeException e) { context.Fail(command, null, $"{root.Name}: {e.Message}"); }
        });

    static void Return<T>(KernelInvocationContext context, KernelCommand command, T value) where T : notnull =>
        context.Publish(new ReturnValueProduced(value, command, FormattedValue.CreateManyFromObject(value, HtmlFormatter.MimeType, PlainTextFormatter.MimeType)));

}
