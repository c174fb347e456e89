using System.Diagnostics;

namespace SideEye.Testing.Agents;

/// <summary>
/// The sideeye command run as a process of its own (as a user runs it), optionally under a prefix (ip netns exec,
/// setpriv to another user): for what only a separate process shows, such as being killed mid-call or exit codes.
/// </summary>
public sealed class SideEyeRun : IDisposable
{
    readonly Process _process;
    readonly Task<string> _stdout;
    readonly Task<string> _stderr;

    public SideEyeRun(IReadOnlyList<string> args, IReadOnlyList<string>? prefix = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        string[] command = [.. prefix ?? [], .. SideEyeProgram.Command([.. args])];
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        _stdout = _process.StandardOutput.ReadToEndAsync();
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    public int Pid => _process.Id;

    /// <summary>Runs it to the end (bounded) and returns exit code and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(IReadOnlyList<string> args, IReadOnlyList<string>? prefix = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using var run = new SideEyeRun(args, prefix, environment);
        return run.Wait(timeout ?? TimeSpan.FromSeconds(120));
    }

    public (int ExitCode, string Stdout, string Stderr) Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"sideeye did not finish within {timeout.TotalSeconds:0} s: {(_stderr.Wait(1000) ? _stderr.Result : "")}");
        }
        _process.WaitForExit();
        return (_process.ExitCode, _stdout.Result, _stderr.Result);
    }

    public bool HasExited => _process.HasExited;

    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
