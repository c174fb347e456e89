using System.Runtime.InteropServices;
using System.Text;

namespace SideEye.Agent.Hosting;

/// <summary>
/// The .NET runtime settings a long-running agent wants, which the runtime reads only as it starts: tiered
/// compilation off, so each method is compiled once, optimized, at its first call (with tiering on, a young agent
/// spent most of the CPU of its first minutes re-compiling hot methods in the background: measured, 49 ms of CPU per
/// warm 1k-goroutine snapshot against 9.5-16 ms with tiering off, and sixteen young agents on two CPUs took 3.3 s of
/// CPU per fleet snapshot against 0.3 s); and thread-pool workers that block at once when idle instead of spinning
/// first (their spinning was a seventh of an agent's CPU: 17 ms per snapshot against 13 ms); and a 4 MiB allocation
/// budget between collections of the youngest generation (GCgen0size, hex), where the runtime's default follows the
/// CPU's cache size: on a machine with a large one, a warm agent's resident memory grew by 78 MiB over 1,000 snapshots
/// before its first collection, against none with this budget (LoadTests). CPU and memory the agent takes are
/// taken from the machine whose services it pauses. A one-shot CLI command would only start slower (measured: 0.3-0.4
/// s for `sideeye snapshot`), so only <c>sideeye agent</c> does this. An agent started without them replaces itself
/// (execve: same pid, same descriptors, same arguments) with itself started with them. A setting its starter made
/// either way (under its DOTNET_ or older COMPlus_ name) is obeyed.
/// </summary>
public static partial class AgentRuntimeSettings
{
    /// <summary>Each setting's name without its DOTNET_ or COMPlus_ prefix, and the value the agent wants.</summary>
    public static readonly IReadOnlyList<(string Name, string Value)> Wanted =
    [
        ("TieredCompilation", "0"),
        ("ThreadPool_UnfairSemaphoreSpinLimit", "0"),
        ("GCgen0size", "0x400000"),
    ];

    /// <summary>
    /// Returns at once when every setting is already made; otherwise does not return unless execve fails, in which
    /// case the agent runs on as it is (slower to settle, not wrong) and says so once on <paramref name="stderr"/>.
    /// </summary>
    public static void Ensure(TextWriter stderr)
    {
        var missing = Wanted.Where(w => Environment.GetEnvironmentVariable("DOTNET_" + w.Name) is null && Environment.GetEnvironmentVariable("COMPlus_" + w.Name) is null)
            .Select(w => $"DOTNET_{w.Name}={w.Value}\0").ToArray();
        if (missing.Length == 0) return;
        byte[] arguments, environment;
        try
        {
            // The command line and environment byte for byte as the kernel has them (the host, the dll, then ours).
            arguments = File.ReadAllBytes("/proc/self/cmdline");
            environment = [.. File.ReadAllBytes("/proc/self/environ"), .. Encoding.ASCII.GetBytes(string.Concat(missing))];
        }
        catch (IOException e)
        {
            stderr.WriteLine($"sideeye agent: running with the runtime's default settings (cannot read its own command line: {e.Message})");
            return;
        }
        stderr.Flush();
        unsafe
        {
            fixed (byte* argv = arguments, envp = environment)
            {
                var argvPointers = Pointers(argv, arguments.Length);
                var envpPointers = Pointers(envp, environment.Length);
                fixed (nint* a = argvPointers, e = envpPointers) Execve("/proc/self/exe", a, e);
            }
        }
        stderr.WriteLine($"sideeye agent: running with the runtime's default settings (execve failed: errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>A pointer to each NUL-terminated string of <paramref name="strings"/>, then the null pointer execve wants.</summary>
    static unsafe nint[] Pointers(byte* strings, int length)
    {
        var pointers = new List<nint>();
        for (var i = 0; i < length; i++)
            if (i == 0 || strings[i - 1] == 0) pointers.Add((nint)(strings + i));
        pointers.Add(0);
        return [.. pointers];
    }

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Execve(string path, nint* argv, nint* envp);
}
