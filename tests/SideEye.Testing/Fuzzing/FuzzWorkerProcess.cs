using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace SideEye.Testing.Fuzzing;

/// <summary>
/// One fuzz worker (tests/SideEye.FuzzWorker, built beside the tests) as a child process: it is given a file path a line
/// and answers each with a <see cref="WorkerReply"/>. A file that kills it or hangs it costs only that process: the
/// crash or timeout is recorded and a fresh worker takes the next file. Its managed heap is capped, so a reader that
/// allocates what a damaged size asks for fails inside the worker instead of taking the machine's memory.
/// </summary>
public sealed class FuzzWorkerProcess : IDisposable
{
    /// <summary>The heap a worker may use (DOTNET_GCHeapHardLimit): the per-file memory bound.</summary>
    public const long HeapLimitBytes = 1L << 30;

    readonly TimeSpan _hardLimit;
    readonly string? _warmUpFile;
    Process? _process;
    StringBuilder _stderr = new();

    /// <param name="hardLimit">How long a file may take before its worker is killed (well above the time the tests assert).</param>
    /// <param name="warmUpFile">
    /// An intact binary each new worker reads first, unmeasured: the first file a process reads pays for compiling the
    /// readers, which is no part of the time a damaged file costs.
    /// </param>
    public FuzzWorkerProcess(TimeSpan hardLimit, string? warmUpFile = null)
    {
        _hardLimit = hardLimit;
        _warmUpFile = warmUpFile;
    }

    public static string Assembly { get; } = Find();

    public FuzzResult Run(Mutation mutation, string file)
    {
        var process = _process ??= Start();
        var started = Stopwatch.StartNew();
        try
        {
            process.StandardInput.WriteLine(file);
            process.StandardInput.Flush();
        }
        catch (IOException)
        {
            // Died before it was given the file (while warming up): the same as dying on it, found below.
        }
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(_hardLimit))
        {
            Stop();
            return new FuzzResult(mutation.Id, mutation.Kind, file, FuzzOutcome.Timeout, started.Elapsed, 0, $"no answer within {_hardLimit.TotalSeconds:F0} s");
        }
        if (line.Result is not ['{', ..] json)
        {
            // No answer, or the runtime's own last words on standard output ("Out of memory."): the worker is dead or dying.
            if (line.Result is { } said) lock (_stderr) _stderr.Insert(0, said + "\n");
            if (!process.WaitForExit(_hardLimit)) process.Kill();
            process.WaitForExit();
            var exit = process.ExitCode;
            Stop();
            var why = string.Join(" | ", _stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(6));
            return new FuzzResult(mutation.Id, mutation.Kind, file, FuzzOutcome.Crash, started.Elapsed, 0, $"worker died with exit code {exit}: {why}");
        }
        return FuzzResult.From(mutation, file, JsonSerializer.Deserialize<WorkerReply>(json)!);
    }

    Process Start()
    {
        var psi = new ProcessStartInfo(Agents.SideEyeProgram.Dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Assembly);
        psi.Environment["DOTNET_GCHeapHardLimit"] = "0x" + HeapLimitBytes.ToString("x");
        // One heap, as the CLI runs on a small machine; and no debug-file search off this machine.
        psi.Environment["DOTNET_gcServer"] = "0";
        psi.Environment["DEBUGINFOD_URLS"] = "";
        psi.Environment["SIDEEYE_DEBUG_DIRS"] = "";
        var process = Process.Start(psi)!;
        _stderr = new StringBuilder();
        var stderr = _stderr;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        if (_warmUpFile is not null)
        {
            process.StandardInput.WriteLine(_warmUpFile);
            process.StandardInput.Flush();
            _ = process.StandardOutput.ReadLine();
        }
        return process;
    }

    void Stop()
    {
        if (_process is null) return;
        try { if (!_process.HasExited) _process.Kill(); }
        catch (InvalidOperationException) { }
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    static string Find()
    {
        // Tests and benchmarks run from tests/X/bin/CONFIGURATION/net10.0: the worker was built in the same configuration.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var path = Path.Combine(RepoPaths.Root, "tests", "SideEye.FuzzWorker", "bin", configuration, "net10.0", "SideEye.FuzzWorker.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build the solution ({configuration}) first");
    }
}
