using System.Diagnostics;
using System.Globalization;

namespace SideEye.Testing;

/// <summary>
/// Swap for the tests that page a target's memory out: a swap file of the test's own, turned on while any test
/// holds one (<see cref="Acquire"/>) and turned off and deleted when the last lets go. Without swap the kernel cannot
/// page anonymous memory (a Go heap, goroutine stacks) out at all. A file left behind by a test process that died is
/// turned off and deleted by the next one. The swap is a plain file on the test machine's disk: what an idle service
/// on a real machine pages to.
/// </summary>
public sealed class SwapSpace : IDisposable
{
    const string Folder = "/var/tmp";
    const string Prefix = "sideeye-swap-";
    const long Bytes = 512L << 20;

    static readonly Lock Gate = new();
    static int _holders;
    static string? _file;

    bool _released;

    SwapSpace() { }

    /// <summary>Turns this process's swap file on (once), for as long as the returned handle is held.</summary>
    public static SwapSpace Acquire()
    {
        lock (Gate)
        {
            if (_holders++ == 0)
            {
                try
                {
                    RemoveStale();
                    var file = Path.Combine(Folder, $"{Prefix}{Environment.ProcessId}");
                    Run("fallocate", "-l", Bytes.ToString(CultureInfo.InvariantCulture), file);
                    File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    Run("mkswap", file);
                    Run("swapon", file);
                    _file = file;
                }
                catch
                {
                    _holders--;
                    throw;
                }
            }
        }
        return new SwapSpace();
    }

    public void Dispose()
    {
        lock (Gate)
        {
            if (_released) return;
            _released = true;
            if (--_holders > 0 || _file is not { } file) return;
            _file = null;
            TurnOff(file);
        }
    }

    /// <summary>Swap files of test processes that are gone.</summary>
    static void RemoveStale()
    {
        foreach (var file in Directory.EnumerateFiles(Folder, Prefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(file)[Prefix.Length..], out var pid) && Directory.Exists($"/proc/{pid}")) continue;
            TurnOff(file);
        }
    }

    static void TurnOff(string file)
    {
        // swapoff reads every page back in; it fails harmlessly for a file that is not on.
        if (File.ReadLines("/proc/swaps").Skip(1).Any(l => l.Split(' ', 2)[0] == file)) Run("swapoff", file);
        File.Delete(file);
    }

    static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {tool}");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} did not finish in 2 minutes");
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result.Trim()}");
    }
}
