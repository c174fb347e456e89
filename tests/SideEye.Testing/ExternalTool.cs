using System.Diagnostics;

namespace SideEye.Testing;

/// <summary>Runs a command-line tool the tests need (objcopy, ip, …) to the end: its output, or an exception naming the command and what it printed on stderr.</summary>
public static class ExternalTool
{
    public static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        // Both pipes drained at once, so a tool that fills one never blocks on it.
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)}: {stderr.Result.Trim()}");
        return stdout;
    }
}
