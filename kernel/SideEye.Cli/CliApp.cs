namespace SideEye.Cli;

/// <summary>The sideeye command line: parses arguments and maps SideEye errors to one line and a non-zero exit.</summary>
public static class CliApp
{
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        stderr.WriteLine("sideeye: not implemented yet");
        return 2;
    }
}
