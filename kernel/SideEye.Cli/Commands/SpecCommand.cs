using System.CommandLine;
using SideEye.GoRuntime;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Reports;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye spec check FILE [BINARY] [--store STORE]: every expression of the spec's program for BINARY, with its type or
/// why it cannot work; with a store, every extra column, derived table and link of the spec tried on it, one line for
/// each that cannot be applied (its place in the file and why, DuckDB's words for SQL).
/// </summary>
public static class SpecCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<string>("spec") { Description = "capture spec (JSON)" };
        var binary = new Argument<string?>("binary") { Description = "the Go executable the spec's program runs (matched by file name)", Arity = ArgumentArity.ZeroOrOne };
        var store = new Option<string?>("--store") { Description = "a snapshot store to try the spec's columns, tables and links on" };
        var debugDir = DebugDirOption.Create();
        var check = new Command("check", "check a spec: its captures against a binary (each expression with its resolved type), its reports against a store")
        {
            file, binary, store, debugDir,
        };
        check.SetAction(parse =>
        {
            var spec = CaptureSpecFile.Load(parse.GetValue(file)!);
            if (parse.GetValue(binary) is null && parse.GetValue(store) is null)
                throw new SideEyeException("say what to check the spec against: a BINARY (its captures), --store STORE (its columns, tables and links), or both");
            var failed = false;
            if (parse.GetValue(binary) is { } path) failed |= CheckCaptures(stdout, spec, parse.GetValue(file)!, path, DebugDirOption.Sources(parse, debugDir));
            if (parse.GetValue(store) is { } storePath) failed |= CheckReports(stdout, spec, storePath);
            return failed ? CliApp.ExitError : 0;
        });
        return new Command("spec", "capture specs: what to collect in which functions, and how to organize it") { check };
    }

    static bool CheckCaptures(TextWriter stdout, CaptureSpec spec, string file, string path, Binary.DebugInfo.DebugInfoSources? debugInfo)
    {
        var program = spec.For(path) ?? throw new SideEyeException(
            $"{file}: no program for binary \"{Path.GetFileName(path)}\" (programs: {(spec.Programs.Count == 0 ? "none" : string.Join(", ", spec.Programs.Select(p => p.Binary)))})");
        var lines = SpecCheck.Check(program, GoBinary.Open(path, debugInfo));
        foreach (var line in lines)
            stdout.WriteLine(line.Error is null ? $"{line.Function}\t{line.Expression}\t{line.Type}" : $"{line.Function}\t{line.Expression}\terror: {line.Error}");
        var errors = lines.Count(l => l.Error is not null);
        stdout.WriteLine(errors == 0 ? $"{lines.Count} expressions ok" : $"{errors} of {lines.Count} expressions cannot be captured");
        return errors > 0;
    }

    static bool CheckReports(TextWriter stdout, CaptureSpec spec, string storePath)
    {
        using var store = SnapshotStore.OpenReadOnly(storePath);
        var reports = spec.Reports;
        var applied = ReportViews.Apply(store, reports);
        foreach (var problem in applied.Problems) stdout.WriteLine($"error: {problem}");
        var parts = reports.Columns.Count + reports.Tables.Count + reports.Links.Count;
        stdout.WriteLine(applied.Problems.Count == 0
            ? $"{reports.Columns.Count} columns, {reports.Tables.Count} tables, {reports.Links.Count} links ok on {storePath}"
            : $"{applied.Problems.Count} of {parts} columns, tables and links cannot be applied to {storePath}");
        return applied.Problems.Count > 0;
    }
}
