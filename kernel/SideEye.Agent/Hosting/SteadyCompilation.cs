using System.Runtime.InteropServices;
using System.Text;

namespace SideEye.Agent.Hosting;

/// <summary>
/// Runs the agent with tiered compilation off: each method compiled once, optimized, at its first call. With tiering
/// on, a young agent spent most of the CPU of its first minutes re-compiling hot methods in the background (measured:
/// 49 ms of CPU per warm 1k-goroutine snapshot against 9.5 ms with tiering off, and sixteen young agents on two CPUs
/// took 3.3 s of CPU per fleet snapshot against 0.28 s), CPU taken from the machine whose services it pauses. A
/// daemon pays the slower start once; a one-shot CLI command would not gain, so only <c>sideeye agent</c> does this.
/// The runtime reads the setting only as it starts, so an agent started without it replaces itself (execve: same
/// pid, same descriptors, same arguments) with itself started with it. Whoever sets DOTNET_TieredCompilation
/// (or its older COMPlus_ name) either way is obeyed.
/// </summary>
public static partial class SteadyCompilation
{
    public const string Variable = "DOTNET_TieredCompilation";

    /// <summary>
    /// Returns at once when the setting is already made; otherwise does not return unless execve fails, in which case
    /// the agent runs on with tiering (slower to settle, not wrong) and says so once on <paramref name="stderr"/>.
    /// </summary>
    public static void Ensure(TextWriter stderr)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not null || Environment.GetEnvironmentVariable("COMPlus_TieredCompilation") is not null) return;
        byte[] arguments, environment;
        try
        {
            // The command line and environment byte for byte as the kernel has them (the host, the dll, then ours).
            arguments = File.ReadAllBytes("/proc/self/cmdline");
            environment = [.. File.ReadAllBytes("/proc/self/environ"), .. Encoding.ASCII.GetBytes($"{Variable}=0\0")];
        }
        catch (IOException e)
        {
            stderr.WriteLine($"sideeye agent: running with tiered compilation (cannot read its own command line: {e.Message})");
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
        stderr.WriteLine($"sideeye agent: running with tiered compilation (execve failed: errno {Marshal.GetLastPInvokeError()})");
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
