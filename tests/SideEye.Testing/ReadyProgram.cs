using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SideEye.Testing;

/// <summary>
/// A testdata program that announces itself: it prints its own lines, then one "ready pid=N KEY=VALUE…" line, and
/// runs until its standard input closes. It is started by a shell that waits for it, so it is not our child:
/// .NET's SIGCHLD reaping would otherwise swallow the ptrace stops a pause waits for (as in production, SideEye
/// never debugs its own children), and the shell reaps it instead of leaving a zombie.
/// Disposing closes its standard input, which ends it, and SIGKILLs it if it does not end by itself.
/// </summary>
public sealed partial class ReadyProgram : IDisposable
{
    readonly Process _shell;
    readonly Task<string> _stderr;
    Task? _drain;

    /// <summary>The program's pid, from its ready line (the shell's pid is of no use to a debugger).</summary>
    public int Pid { get; }

    /// <summary>What the program printed before its ready line.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The KEY=VALUE fields of the ready line, pid included.</summary>
    public IReadOnlyDictionary<string, string> Ready { get; }

    /// <summary>Standard error so far (all of it once the program has ended).</summary>
    public string Stderr => _stderr.IsCompleted ? _stderr.Result : "(still running)";

    ReadyProgram(Process shell, Task<string> stderr, int pid, IReadOnlyList<string> lines, IReadOnlyDictionary<string, string> ready)
    {
        _shell = shell;
        _stderr = stderr;
        Pid = pid;
        Lines = lines;
        Ready = ready;
    }

    /// <summary>Starts <paramref name="binary"/> and waits up to <paramref name="timeout"/> for its ready line.</summary>
    public static ReadyProgram Start(string binary, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // An asynchronous command gets /dev/null as stdin unless told otherwise, hence fd 3.
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec 3<&0; \"$0\" \"$@\" <&3 3<&- & exec 3<&-; wait");
        psi.ArgumentList.Add(binary);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var shell = Process.Start(psi)!;
        var stderr = shell.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        var reading = Task.Run(() =>
        {
            while (shell.StandardOutput.ReadLine() is { } line)
            {
                if (line.StartsWith("ready pid=", StringComparison.Ordinal)) return line;
                lines.Add(line);
            }
            return null;
        });
        string? readyLine = null;
        try
        {
            if (reading.Wait(timeout)) readyLine = reading.Result;
        }
        catch (AggregateException) { }
        if (readyLine is null)
        {
            try
            {
                shell.StandardInput.Close();
                if (!shell.WaitForExit(5_000)) shell.Kill();
                shell.WaitForExit();
            }
            finally
            {
                shell.Dispose();
            }
            throw new InvalidOperationException(
                $"{Path.GetFileName(binary)} was not ready within {timeout.TotalSeconds:F0}s: {(stderr.Wait(1000) ? stderr.Result : "")}");
        }
        var ready = readyLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(f => f.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
        var program = new ReadyProgram(shell, stderr, int.Parse(ready["pid"], CultureInfo.InvariantCulture), lines, ready);
        // Whatever it prints afterwards must not fill the pipe and block it.
        program._drain = shell.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        return program;
    }

    public void Dispose()
    {
        try
        {
            if (!_shell.HasExited)
            {
                _shell.StandardInput.Close();
                if (!_shell.WaitForExit(10_000))
                {
                    _ = Kill(Pid, 9); // the program, which the shell is waiting for
                    if (!_shell.WaitForExit(5_000)) _shell.Kill();
                }
                _shell.WaitForExit();
            }
            _drain?.Wait(5_000);
        }
        finally
        {
            _shell.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
