using System.Diagnostics;
using System.Globalization;
using SideEye.Testing;

namespace SideEye.Loader.Tests;

/// <summary>
/// pausetarget or another busy program, not our child (see <see cref="LaunchedProgram"/>), as in production where
/// SideEye attaches to a service it did not start. Standard output goes to a file; Dispose SIGKILLs it.
/// </summary>
public sealed class TargetProcess : IDisposable
{
    readonly LaunchedProgram _program;
    readonly string _outputDir = Directory.CreateTempSubdirectory("sideeye-target-").FullName;

    public TargetProcess(string binary, params string[] args)
    {
        OutputPath = Path.Combine(_outputDir, "stdout");
        File.WriteAllText(OutputPath, ""); // the background shell may open it only after we first read it
        _program = LaunchedProgram.StartWithOutputFile(binary, args, OutputPath);
    }

    public int Pid => _program.Pid;
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

    public void Kill() => _program.Kill();

    public void Dispose()
    {
        _program.Dispose();
        try { Directory.Delete(_outputDir, recursive: true); } catch (IOException) { }
    }
}
