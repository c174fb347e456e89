using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.Formatting.TabularData;
using Microsoft.DotNet.Interactive.ValueSharing;

using SideEye.Probes.Specs;

namespace SideEye.Interactive.Sql;

/// <summary>
/// SQL cells over a snapshot store, read-only: each statement's result as a table (the first
/// <see cref="ShownRows"/> rows), and with <c>--name NAME</c> the last statement's whole result kept for
/// <c>#!share --from KERNEL NAME</c> as a <see cref="TabularDataResource"/>. A failure is one line, "KERNEL: what went wrong".
/// </summary>
public sealed class SqlKernel : Kernel,
    IKernelCommandHandler<SubmitCode>,
    IKernelCommandHandler<RequestValue>,
    IKernelCommandHandler<RequestValueInfos>,
    IKernelCommandHandler<SendValue>
{
    /// <summary>The kernel over the session's DuckDB file that <see cref="SideEyeExtension.Load"/> adds.</summary>
    public const string DefaultName = "sideeye-sql";

    /// <summary>Rows shown per result; the rest are counted (and kept, with --name).</summary>
    public const int ShownRows = 1000;

    readonly Func<string> _database;
    readonly Func<ReportSpec>? _reports;
    readonly Func<string, string?, string, string>? _keepTable;
    readonly HashSet<string> _reportProblemsShown = new(StringComparer.Ordinal);
    readonly string? _whenMissing;
    readonly SqlSession _session = new();
    readonly Dictionary<string, TabularDataResource> _kept = new(StringComparer.Ordinal);
    KernelSpecifierDirective? _specifier;

    /// <param name="database">The file to query, asked again for every cell (the session's follows #!sideeye open).</param>
    /// <param name="whenMissing">What to do when the file does not exist, added to the error.</param>
    /// <param name="reports">The spec's columns, tables and links to see in every cell (the session's spec), or null.</param>
    /// <param name="keepTable">Keeps a cell's query as the spec's table (name, description, SQL) and says so; null: --table is refused.</param>
    internal SqlKernel(string name, Func<string> database, string? whenMissing, Func<ReportSpec>? reports = null, Func<string, string?, string, string>? keepTable = null) : base(name)
    {
        _database = database;
        _reports = reports;
        _keepTable = keepTable;
        _whenMissing = whenMissing;
        KernelInfo.LanguageName = "SQL";
        KernelInfo.DisplayName = $"{name} - SQL over SideEye snapshots";
        KernelInfo.Description = "Query SideEye's goroutine snapshots (DuckDB SQL, read-only); --name NAME keeps the result for #!share";
        RegisterForDisposal(_session);
    }

    /// <summary>Adds the session's SQL kernel and #!connect sideeye to the root of <paramref name="kernel"/>, when that is a composite.</summary>
    internal static void AddTo(Kernel kernel, NotebookSession session)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(session);
        // A kernel outside a composite has nowhere to put a subkernel; and Load run twice adds nothing twice.
        if (kernel.RootKernel is not CompositeKernel root || root.ChildKernels.Any(k => k.Name == DefaultName)) return;
        root.Add(new SqlKernel(DefaultName, () => session.Resolve(null),
            "take a snapshot with #!sideeye snapshot, or open a saved file with #!sideeye open --file FILE", () => session.Spec.Reports,
            (table, description, sql) => Subcommands.ReportEditing.KeepTable(session, table, description, sql)).UseValueSharing());
        root.AddConnectDirective(new ConnectSideEyeDirective(session));
    }

    /// <summary>#!sideeye-sql takes --name, as .NET Interactive's SQL kernels do.</summary>
    public override KernelSpecifierDirective KernelSpecifierDirective
    {
        get
        {
            if (_specifier is null)
            {
                _specifier = base.KernelSpecifierDirective;
                _specifier.Parameters.Add(new KernelDirectiveParameter("--name", "Keep the (last statement's) result under this name, for #!share --from " + Name + " NAME"));
                _specifier.Parameters.Add(new KernelDirectiveParameter("--table", "Keep the cell's query in the spec as the derived table (report) of this name, tried on the store first; its rows are shown"));
                _specifier.Parameters.Add(new KernelDirectiveParameter("--description", "With --table: what the table is, kept in the spec"));
            }
            return _specifier;
        }
    }

    Task IKernelCommandHandler<SubmitCode>.HandleAsync(SubmitCode command, KernelInvocationContext context)
    {
        var keepAs = command.Parameters.TryGetValue("--name", out var name) ? name : null;
        try
        {
            if (command.Parent is SubmitCode cell && SqlDirectiveLine.FirstProblem(Name, cell.Code) is { } problem) throw new SideEyeException(problem);
            if (keepAs is not null && !IsIdentifier(keepAs)) throw new SideEyeException($"--name: '{keepAs}' is not a name a C# cell can declare");
            var database = _database();
            if (!File.Exists(database)) throw new SideEyeException($"{database}: no such file" + (_whenMissing is null ? "" : "; " + _whenMissing));
            // --table: the whole cell is the table's query, kept in the spec (or the cell fails and the spec stays as it was).
            if (command.Parameters.TryGetValue("--table", out var table))
            {
                if (_keepTable is null) throw new SideEyeException("--table: this kernel has no spec to keep tables in");
                var description = command.Parameters.TryGetValue("--description", out var d) ? d.Trim('"') : null;
                var kept = _keepTable(table.Trim('"'), description, command.Code.Trim().TrimEnd(';').Trim());
                context.Publish(new DisplayedValueProduced(kept, command, [new FormattedValue(PlainTextFormatter.MimeType, kept)]));
            }
            else if (command.Parameters.ContainsKey("--description")) throw new SideEyeException("--description goes with --table NAME");
            var results = _session.Run(database, command.Code, ShownRows, keepAll: keepAs is not null, context.CancellationToken, _reports?.Invoke());
            // Parts of the spec left out are said (once, not under every cell), but do not fail a cell that does not need them.
            foreach (var left in _session.LastReportProblems.Where(p => _reportProblemsShown.Add(p.ToString())))
                context.Publish(new DisplayedValueProduced(left, command, [new FormattedValue(PlainTextFormatter.MimeType, $"{Name}: spec: {left}")]));
            if (keepAs is not null)
                _kept[keepAs] = results.Count > 0 ? SqlTabular.Of(results[^1]) : throw new SideEyeException($"--name {keepAs}: no statement of the cell returns rows");
            foreach (var result in results)
            {
                context.Publish(new DisplayedValueProduced(result, command,
                [
                    new FormattedValue(HtmlFormatter.MimeType, SqlHtml.Of(result, ShownRows, keepAs)),
                    new FormattedValue(PlainTextFormatter.MimeType, SqlText.Of(result, ShownRows, keepAs)),
                ]));
            }
        }
        catch (SideEyeException e)
        {
            context.Fail(command, null, $"{Name}: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            context.Fail(command, null, $"{Name}: cancelled");
        }
        return Task.CompletedTask;
    }

    Task IKernelCommandHandler<RequestValue>.HandleAsync(RequestValue command, KernelInvocationContext context)
    {
        if (_kept.TryGetValue(command.Name, out var value))
        {
            var formatted = command.MimeType == JsonFormatter.MimeType ? SqlJson.Of(value) : value.ToDisplayString(command.MimeType);
            context.Publish(new ValueProduced(value, command.Name, new FormattedValue(command.MimeType, formatted), command));
        }
        else
            context.Fail(command, null, $"{Name}: no result named {command.Name}" + (_kept.Count == 0 ? "; keep one with #!" + Name + " --name NAME" : $" (kept: {string.Join(", ", _kept.Keys)})"));
        return Task.CompletedTask;
    }

    Task IKernelCommandHandler<RequestValueInfos>.HandleAsync(RequestValueInfos command, KernelInvocationContext context)
    {
        var infos = _kept.Select(k => new KernelValueInfo(k.Key, FormattedValue.CreateSingleFromObject(k.Value, command.MimeType), typeof(TabularDataResource))).ToArray();
        context.Publish(new ValueInfosProduced(infos, command));
        return Task.CompletedTask;
    }

    /// <summary>A value shared in (#!share --from csharp X, #!set) becomes a DuckDB variable of the session: getvariable('X').</summary>
    async Task IKernelCommandHandler<SendValue>.HandleAsync(SendValue command, KernelInvocationContext context)
    {
        try
        {
            await SetValueAsync(command, context, (name, value, _) =>
            {
                _session.SetVariable(name, value);
                return Task.CompletedTask;
            });
        }
        catch (SideEyeException e)
        {
            context.Fail(command, null, $"{Name}: {e.Message}");
        }
    }

    static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') && name.All(c => char.IsLetterOrDigit(c) || c == '_');
}
