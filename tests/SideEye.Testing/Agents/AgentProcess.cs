using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace SideEye.Testing.Agents;

/// <summary>
/// A real agent for a test: <c>sideeye agent</c> as a process of its own, in a PID namespace of its own
/// (<c>unshare --pid --fork --mount-proc --kill-child</c>), listening on its own loopback address with the fleet's
/// certificates (or on a Unix socket), its audit log in a file. The namespace's pid 1 is a sleep, not the agent, as
/// on a real machine: an agent that dies leaves the programs started in the namespace running; the namespace, and
/// everything in it, ends with the test's Dispose. Optionally inside a network namespace the test made, or with its
/// capabilities cut to a bounding set. Ready when constructed; Dispose stops it (SIGTERM, then SIGKILL).
/// </summary>
public sealed partial class AgentProcess : IDisposable
{
    readonly Process _launcher;
    readonly ConcurrentQueue<string> _output = new();
    readonly string _folder;

    /// <summary>The agent's pid in the test's PID namespace (for signals and /proc).</summary>
    public int HostPid { get; }
    /// <summary>Its PID namespace: start the programs it should see there.</summary>
    public PidNamespace Namespace { get; }
    /// <summary>Where clients reach it: https://IP:PORT or unix:PATH.</summary>
    public string Url { get; }
    public string? SocketPath { get; }
    public IPEndPoint? EndPoint { get; }
    public string AuditPath { get; }

    AgentProcess(Process launcher, string folder, string url, IPEndPoint? endPoint, string auditPath, int hostPid, ConcurrentQueue<string> output)
    {
        _launcher = launcher;
        _folder = folder;
        Url = url;
        SocketPath = url.StartsWith("unix:", StringComparison.Ordinal) ? url["unix:".Length..] : null;
        EndPoint = endPoint;
        AuditPath = auditPath;
        HostPid = hostPid;
        _output = output;
        Namespace = new PidNamespace(hostPid);
    }

    /// <summary>Everything the agent printed so far (its log).</summary>
    public string Output => string.Join("\n", _output);

    /// <summary>
    /// Starts an agent over TLS on <paramref name="endPoint"/> (default: a fresh loopback address) with a certificate
    /// <paramref name="fleet"/> issues for that address, plus <paramref name="extra"/> options.
    /// </summary>
    /// <param name="prefix">Runs the agent's PID namespace under this command (ip netns exec NS …).</param>
    /// <param name="inside">Runs the agent itself, inside its namespace, under this command (setpriv …).</param>
    public static AgentProcess StartTls(IAgentCertificates fleet, IPEndPoint? endPoint = null, IReadOnlyList<string>? extra = null, IReadOnlyList<string>? prefix = null,
        IReadOnlyList<string>? inside = null)
    {
        endPoint ??= Loopback.FreeEndPoint();
        var name = $"agent-{endPoint.Address}-{endPoint.Port}";
        var (certificate, key) = fleet.Agent(name, endPoint.Address);
        var listen = endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"https://[{endPoint.Address}]:{endPoint.Port}" : $"https://{endPoint.Address}:{endPoint.Port}";
        return Start(listen, endPoint,
            ["--listen", listen, "--cert", certificate, "--key", key, "--client-ca", fleet.AuthorityPath, .. extra ?? []], prefix, inside);
    }

    /// <summary>Starts an agent on a Unix socket in a fresh folder.</summary>
    public static AgentProcess StartUnix(IReadOnlyList<string>? extra = null, IReadOnlyList<string>? prefix = null)
    {
        var socket = Path.Combine(Directory.CreateTempSubdirectory("sideeye-agent-socket-").FullName, "agent.sock");
        return Start("unix:" + socket, null, ["--listen", "unix:" + socket, .. extra ?? []], prefix, null);
    }

    static AgentProcess Start(string url, IPEndPoint? endPoint, IReadOnlyList<string> options, IReadOnlyList<string>? prefix, IReadOnlyList<string>? inside)
    {
        var folder = Directory.CreateTempSubdirectory("sideeye-agent-").FullName;
        var audit = Path.Combine(folder, "audit.log");
        string[] command = [.. prefix ?? [], "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "--",
            "/bin/sh", "-c", "\"$@\" & exec sleep infinity", "sh", .. inside ?? [],
            .. SideEyeProgram.Command(["agent", .. options, "--audit", audit, .. options.Contains("--probe-idle-s") ? (string[])[] : ["--probe-idle-s", "60"]])];
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        var launcher = Process.Start(psi)!;
        var output = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource<bool>();
        void Read(StreamReader reader) => Task.Run(() =>
        {
            while (reader.ReadLine() is { } line)
            {
                output.Enqueue(line);
                if (line.StartsWith("sideeye agent: listening on", StringComparison.Ordinal)) ready.TrySetResult(true);
            }
            ready.TrySetResult(false);
        });
        Read(launcher.StandardOutput);
        Read(launcher.StandardError);
        if (!ready.Task.Wait(TimeSpan.FromSeconds(60)) || !ready.Task.Result || launcher.HasExited)
        {
            Kill(launcher);
            Directory.Delete(folder, true);
            throw new InvalidOperationException($"the agent did not start: {string.Join("\n", output)}");
        }
        return new AgentProcess(launcher, folder, url, endPoint, audit, AgentHostPid(launcher.Id), output);
    }

    /// <summary>The agent itself: the process under the launcher, in another pid namespace than ours, that runs sideeye.</summary>
    static int AgentHostPid(int launcher)
    {
        var ours = new FileInfo("/proc/self/ns/pid").LinkTarget;
        var pending = new Queue<int>([launcher]);
        for (var sweep = 0; sweep < 2000 && pending.Count > 0; sweep++)
        {
            var pid = pending.Dequeue();
            if (new FileInfo($"/proc/{pid}/ns/pid").LinkTarget is { } ns && ns != ours && CommandLine(pid).Contains(SideEyeProgram.Assembly, StringComparison.Ordinal)) return pid;
            foreach (var child in Children(pid)) pending.Enqueue(child);
            if (pending.Count == 0)
            {
                pending.Enqueue(launcher);
                Thread.Sleep(10);
            }
        }
        throw new InvalidOperationException($"no agent process in a PID namespace of its own under {launcher}");
    }

    static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    static IEnumerable<int> Children(int pid)
    {
        try
        {
            return Directory.EnumerateDirectories($"/proc/{pid}/task")
                .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>The audit log's lines so far, parsed.</summary>
    public IReadOnlyList<JsonObject> AuditLines() =>
        File.Exists(AuditPath) ? File.ReadAllLines(AuditPath).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray() : [];

    /// <summary>Waits (bounded) for an audit line that satisfies <paramref name="match"/>.</summary>
    public JsonObject? WaitForAudit(Func<JsonObject, bool> match, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(10)))
        {
            if (AuditLines().FirstOrDefault(match) is { } line) return line;
            Thread.Sleep(20);
        }
        return null;
    }

    /// <summary>The agent's open BPF objects and perf events (/proc/PID/fd): what a loaded probe holds.</summary>
    public IReadOnlyList<string> KernelObjects()
    {
        var found = new List<string>();
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{HostPid}/fd"))
            {
                string? target;
                try { target = new FileInfo(fd).LinkTarget; }
                catch (IOException) { continue; }
                if (target is not null && (target.StartsWith("anon_inode:bpf", StringComparison.Ordinal) || target == "anon_inode:btf" || target == "anon_inode:[perf_event]"))
                    found.Add(target);
            }
        }
        catch (DirectoryNotFoundException) { }
        return found;
    }

    /// <summary>Waits (bounded) until the agent holds no BPF object or perf event; returns what it still holds.</summary>
    public IReadOnlyList<string> WaitUntilNothingLoaded(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var held = KernelObjects();
            if (held.Count == 0 || clock.Elapsed > timeout) return held;
            Thread.Sleep(50);
        }
    }

    public int OpenFds() => Directory.Exists($"/proc/{HostPid}/fd") ? Directory.EnumerateFileSystemEntries($"/proc/{HostPid}/fd").Count() : 0;

    /// <summary>Resident memory in KiB (VmRSS).</summary>
    public long ResidentKiB() =>
        long.Parse(File.ReadLines($"/proc/{HostPid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    public void Signal(int signal) => _ = KillNative(HostPid, signal);

    /// <summary>The agent process has ended (its namespace may live on).</summary>
    public bool HasExited => !Directory.Exists($"/proc/{HostPid}") || Procfs.State(HostPid) is 'Z' or 'X' or '-';

    public bool WaitForExit(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!HasExited && clock.Elapsed < timeout) Thread.Sleep(20);
        return HasExited;
    }

    public void Dispose()
    {
        if (!HasExited)
        {
            Signal(18); // SIGCONT, in case a test left it stopped
            Signal(15);
            if (!WaitForExit(TimeSpan.FromSeconds(15))) Signal(9);
        }
        // The namespace's pid 1 goes with the launcher, and every program left in the namespace with it.
        Kill(_launcher);
        _launcher.Dispose();
        if (SocketPath is { } socket) Directory.Delete(Path.GetDirectoryName(socket)!, true);
        Directory.Delete(_folder, true);
    }

    static void Kill(Process launcher)
    {
        try { launcher.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        launcher.WaitForExit(10_000);
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int KillNative(int pid, int signal);
}
