using System.CommandLine;
using SideEye.GoRuntime;
using SideEye.Probes.Specs;

namespace SideEye.Cli.Commands;

/// <summary>sideeye spec check FILE BINARY: every expression of the spec's program for BINARY, with its type or why it cannot work.</summary>
public static class SpecCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<string>("spec") { Description = "capture spec (JSON)" };
        var binary = new Argument<string>("binary") { Description = "the Go executable the spec's program runs (matched by file name)" };
        var debugDir = DebugDirOption.Create();
        var check = new Command("check", "check a capture spec against a binary: prints each expression with its resolved type") { file, binary, debugDir };
        check.SetAction(parse =>
        {
            var spec = CaptureSpecFile.Load(parse.GetValue(file)!);
            var path = parse.GetValue(binary)!;
            var program = spec.For(path) ?? throw new SideEyeException(
                $"{parse.GetValue(file)}: no program for binary \"{Path.GetFileName(path)}\" (programs: {(spec.Programs.Count == 0 ? "none" : string.Join(", ", spec.Programs.Select(p => p.Binary)))})");
            var lines = SpecCheck.Check(program, GoBinary.Open(path, DebugDirOption.Sources(parse, debugDir)));
            foreach (var line in lines)
                stdout.WriteLine(line.Error is null ? $"{line.Function}\t{line.Expression}\t{line.Type}" : $"{line.Function}\t{line.Expression}\terror: {line.Error}");
            var errors = lines.Count(l => l.Error is not null);
            stdout.WriteLine(errors == 0 ? $"{lines.Count} expressions ok" : $"{errors} of {lines.Count} expressions cannot be captured");
            return errors == 0 ? 0 : CliApp.ExitError;
        });
        return new Command("spec", "capture specs: what to collect in which functions") { check };
    }
}
