using System.CommandLine;
using SideEye.Cli.Commands;

namespace SideEye.Cli;

/// <summary>
/// The sideeye command line. Every command is parse → engine call → print; a <see cref="SideEyeException"/>
/// becomes one line on stderr and exit code 1, usage errors exit 2, anything else is a bug and shows its stack.
/// </summary>
public static class CliApp
{
    public const int ExitError = 1;
    public const int ExitUsage = 2;

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, TextReader? stdin = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        stdin ??= Console.In;
        var parse = Commands(stdout, stderr, stdin).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) stderr.WriteLine($"sideeye: {e.Message}");
            return ExitUsage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (SideEyeException e)
        {
            stderr.WriteLine($"sideeye: {e.Message}");
            return ExitError;
        }
    }

    /// <summary>Every command with its options, as the command line parses them (deployment files are checked against it).</summary>
    public static RootCommand Commands(TextWriter stdout, TextWriter stderr, TextReader stdin) =>
        new("SideEye: a production debugger for Go services")
        {
            InspectCommand.Create(stdout),
            Addr2LineCommand.Create(stdout, stderr, stdin),
            TypesCommand.Create(stdout),
            RuntimeLayoutCommand.Create(stdout),
            TargetsCommand.Create(stdout),
            SnapshotCommand.Create(stdout, stderr),
            StacksCommand.Create(stdout),
            DiffCommand.Create(stdout),
            QueryCommand.Create(stdout, stderr),
            ReportCommand.Create(stdout, stderr),
            SearchCommand.Create(stdout),
            SpecCommand.Create(stdout),
            AgentCommand.Create(stdout),
            CertsCommand.Create(stdout),
        };
}
