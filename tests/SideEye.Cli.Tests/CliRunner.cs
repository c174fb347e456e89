namespace SideEye.Cli.Tests;

/// <summary>Runs the sideeye command line in-process, capturing its output and exit code.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result Run(params string[] args) => RunWithInput("", args);

    /// <summary>Runs with <paramref name="stdin"/> as standard input.</summary>
    public static Result RunWithInput(string stdin, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(args, stdout, stderr, new StringReader(stdin));
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs with a time limit, so a hang on bad input fails the test instead of stalling the suite.</summary>
    public static Result RunBounded(TimeSpan limit, params string[] args)
    {
        var task = Task.Run(() => Run(args));
        if (!task.Wait(limit)) throw new TimeoutException($"sideeye {string.Join(' ', args)} did not finish within {limit}");
        return task.Result;
    }
}
