using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SideEye.Testing;

/// <summary>
/// A testdata program to debug, started by a shell that waits for it, so that it is not our child: .NET's SIGCHLD
/// reaping would otherwise swallow the ptrace stops a pause waits for (as in production, SideEye never debugs its
/// own children), and the shell reaps it instead of leaving a zombie.
/// <list type="bullet">
/// <item><see cref="StartUntilReady"/>: the program prints its own lines, then one "ready pid=N KEY=VALUE…" line, and
/// runs until its standard input closes; disposing closes it, and SIGKILLs the program if it does not end by itself.</item>
/// <item><see cref="StartWithOutputFile"/>: the program's standard output and error go to a file, its standard
/// input is /dev/null; disposing SIGKILLs it.</item>
/// </list>
/// </summary>
public sealed partial class LaunchedProgram : IDisposable
{
    readonly Process _shell;
    readonly bool _endByClosingInput;
    readonly Task<string> _stderr;
    Task? _drain;

    /// <summary>The program's pid, as the program itself (and an agent in its PID namespace) sees it; the shell's is of no use to a debugger.</summary>
    public int Pid { get; }

    /// <summary>The program's pid in the test's own PID namespace: <see cref="Pid"/> unless it was started in another (<see cref="PidNamespace"/>).</summary>
    public int HostPid { get; private set; }

    /// <summary>What the program printed before its ready line (<see cref="StartUntilReady"/> only).</summary>
    public IReadOnlyList<string> Lines { get; }

    readonly List<string> _later = [];

    /// <summary>What the program has printed since its ready line so far (<see cref="StartUntilReady"/> only).</summary>
    public IReadOnlyList<string> LaterLines
    {
        get { lock (_later) return [.. _later]; }
    }

    /// <summary>
    /// Waits until the program has printed, since its ready line, <paramref name="count"/> lines that
    /// <paramref name="match"/>, and returns them; fails the test after <paramref name="timeout"/>.
    /// </summary>
    public IReadOnlyList<string> WaitForLines(Func<string, bool> match, int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var found = LaterLines.Where(match).ToArray();
            if (found.Length >= count) return found;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{found.Length} of {count} awaited lines in {timeout.TotalSeconds:F0} s; printed since ready: {string.Join(" | ", LaterLines.TakeLast(20))}");
            Thread.Sleep(20);
        }
    }

    /// <summary>The KEY=VALUE fields of the ready line, pid included (<see cref="StartUntilReady"/> only).</summary>
    public IReadOnlyDictionary<string, string> Ready { get; }

    /// <summary>The shell's standard error, and with <see cref="StartUntilReady"/> the program's, once it has ended.</summary>
    public string Stderr => _stderr.IsCompleted ? _stderr.Result : "(still running)";

    LaunchedProgram(Process shell, bool endByClosingInput, Task<string> stderr, int pid, IReadOnlyList<string> lines, IReadOnlyDictionary<string, string> ready)
    {
        _shell = shell;
        _endByClosingInput = endByClosingInput;
        _stderr = stderr;
        Pid = pid;
        HostPid = pid;
        Lines = lines;
        Ready = ready;
    }

    static Process StartShell(string script, string binary, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(binary);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    /// <summary>Starts <paramref name="binary"/> and waits up to <paramref name="timeout"/> for its ready line; in <paramref name="ns"/> if given.</summary>
    public static LaunchedProgram StartUntilReady(string binary, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null,
        PidNamespace? ns = null)
    {
        if (ns is not null)
        {
            var started = StartUntilReady(ns.Enter[0], [.. ns.Enter.Skip(1), binary, .. args], timeout, environment);
            started.HostPid = ns.HostPid(started.Pid);
            return started;
        }
        // An asynchronous command gets /dev/null as stdin unless told otherwise, hence fd 3.
        var shell = StartShell("exec 3<&0; \"$0\" \"$@\" <&3 3<&- & exec 3<&-; wait", binary, args, environment);
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
        var program = new LaunchedProgram(shell, endByClosingInput: true, stderr, int.Parse(ready["pid"], CultureInfo.InvariantCulture), lines, ready);
        // Whatever it prints afterwards is kept (and must not fill the pipe and block it).
        program._drain = Task.Run(() =>
        {
            while (shell.StandardOutput.ReadLine() is { } line)
                lock (program._later) program._later.Add(line);
        });
        return program;
    }

    /// <summary>
    /// Starts <paramref name="binary"/> with standard output and error appended to <paramref name="outputPath"/>
    /// and standard input from /dev/null; returns as soon as it is started.
    /// </summary>
    public static LaunchedProgram StartWithOutputFile(string binary, IEnumerable<string> args, string outputPath, PidNamespace? ns = null)
    {
        // In a namespace, the pid known here is nsenter's; the program's own is whatever it prints.
        if (ns is not null) return StartWithOutputFile(ns.Enter[0], [.. ns.Enter.Skip(1), binary, .. args], outputPath);
        // The shell, not the program, writes to our pipe: just the pid.
        var shell = StartShell("\"$0\" \"$@\" >>\"$TARGET_OUT\" 2>&1 </dev/null & echo $!; wait", binary, args,
            new Dictionary<string, string> { ["TARGET_OUT"] = outputPath });
        var stderr = shell.StandardError.ReadToEndAsync();
        var pid = shell.StandardOutput.ReadLine();
        if (pid is null)
        {
            shell.WaitForExit();
            var message = stderr.Result;
            shell.Dispose();
            throw new InvalidOperationException($"{Path.GetFileName(binary)} did not start: {message}");
        }
        return new LaunchedProgram(shell, endByClosingInput: false, stderr, int.Parse(pid, CultureInfo.InvariantCulture), [], new Dictionary<string, string>());
    }

    /// <summary>SIGKILLs the program (the shell then ends too).</summary>
    public void Kill() => _ = KillNative(HostPid, 9);

    bool _disposed;

    /// <summary>Ends the program (idempotent).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_shell.HasExited)
            {
                if (_endByClosingInput)
                {
                    _shell.StandardInput.Close();
                    if (!_shell.WaitForExit(10_000)) Kill();
                }
                else
                {
                    Kill();
                }
                if (!_shell.WaitForExit(10_000)) _shell.Kill();
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
    private static partial int KillNative(int pid, int signal);
}
