using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SideEye.Testing;

namespace SideEye.Loader.Tests;

/// <summary>
/// A process started through a shell that waits for it, so that it is not our child: .NET's SIGCHLD reaping
/// never sees it, as in production where SideEye attaches to a service it did not start, and the shell reaps
/// it instead of leaving a zombie. Standard output goes to a file; Dispose SIGKILLs it.
/// </summary>
public sealed partial class TargetProcess : IDisposable
{
    readonly Process _shell;
    readonly string _outputDir = Directory.CreateTempSubdirectory("sideeye-target-").FullName;

    public TargetProcess(string binary, params string[] args)
    {
        OutputPath = Path.Combine(_outputDir, "stdout");
        File.WriteAllText(OutputPath, ""); // the background shell may open it only after we first read it
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("\"$0\" \"$@\" >>\"$TARGET_OUT\" 2>&1 </dev/null & echo $!; wait");
        psi.ArgumentList.Add(binary);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TARGET_OUT"] = OutputPath;
        _shell = Process.Start(psi)!;
        Pid = int.Parse(_shell.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
    }

    public int Pid { get; }
    public string OutputPath { get; }

    /// <summary>The last complete "beat N urg M" line, or (0, 0) before the first.</summary>
    public (long Beat, long Urg) LastBeat()
    {
        using var f = new FileStream(OutputPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        f.Seek(Math.Max(0, f.Length - 4096), SeekOrigin.Begin);
        var text = new StreamReader(f).ReadToEnd();
        var end = text.LastIndexOf('\n');
        if (end < 0) return (0, 0);
        var start = text.LastIndexOf('\n', end - 1) + 1;
        var parts = text[start..end].Split(' ');
        if (parts.Length != 4 || parts[0] != "beat") return (0, 0);
        return (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    /// <summary>Waits until the heartbeat passes <paramref name="beat"/>; fails after a generous timeout.</summary>
    public long WaitForBeatAfter(long beat, int timeoutMs = 10_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            var (b, _) = LastBeat();
            if (b > beat) return b;
            Thread.Sleep(5);
        }
        throw new Xunit.Sdk.XunitException($"process {Pid}: heartbeat stuck at {beat} for {timeoutMs} ms (state {Procfs.State(Pid)})");
    }

    public void WaitForThreads(int count, int timeoutMs = 20_000)
    {
        var sw = Stopwatch.StartNew();
        while (Procfs.ThreadStates(Pid).Count < count)
        {
            if (sw.ElapsedMilliseconds > timeoutMs) throw new Xunit.Sdk.XunitException($"process {Pid} has only {Procfs.ThreadStates(Pid).Count} of {count} threads");
            Thread.Sleep(20);
        }
    }

    public void Kill() => KillNative(Pid, 9);

    public void Dispose()
    {
        KillNative(Pid, 9);
        _shell.WaitForExit(10_000);
        _shell.Dispose();
        try { Directory.Delete(_outputDir, recursive: true); } catch (IOException) { }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int KillNative(int pid, int signal);
}
