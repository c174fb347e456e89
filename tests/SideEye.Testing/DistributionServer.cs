using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SideEye.Testing;

/// <summary>
/// A Go server Debian ships as a binary (stripped, cgo, dynamically linked: nobody here built it), run as a user would,
/// on loopback ports only, with its own pprof endpoint for ground truth. `.ci/test` installs the packages:
/// etcd (etcd-server, --enable-pprof on the client URL) and caddy (its admin endpoint serves /debug/pprof/).
/// Everything it writes stays in a temporary folder removed on dispose.
/// </summary>
public sealed class DistributionServer : IDisposable
{
    readonly LaunchedProgram _program;
    readonly HttpClient _http;
    readonly Uri _pprof;

    public string Name { get; }
    public string Executable { get; }
    /// <summary>The server's pid as this test sees it (in <see cref="InNamespaces"/>, not 1, the pid it has inside).</summary>
    public int Pid { get; private set; }
    /// <summary>Whether it runs in PID and mount namespaces of its own (unshare), as a container would run it.</summary>
    public bool InNamespaces { get; }
    public string Folder { get; }

    DistributionServer(string name, string executable, string folder, LaunchedProgram program, Uri pprof, bool inNamespaces)
    {
        Name = name;
        Executable = executable;
        Folder = folder;
        InNamespaces = inNamespaces;
        _program = program;
        _pprof = pprof;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Pid = program.Pid;
    }

    /// <summary>Each server, run plainly and in namespaces of its own.</summary>
    public static IEnumerable<object[]> Names => [["etcd", false], ["caddy", false], ["etcd", true], ["caddy", true]];

    public static DistributionServer Start(string name, bool inNamespaces = false)
    {
        var folder = Directory.CreateTempSubdirectory($"sideeye-{name}-").FullName;
        try
        {
            var (executable, environment, args, pprof) = name switch
            {
                "etcd" => Etcd(folder),
                "caddy" => Caddy(folder),
                _ => throw new ArgumentException($"no distribution server {name}"),
            };
            if (!File.Exists(executable))
                throw new InvalidOperationException($"{executable} is not installed: .ci/test installs Debian's package (etcd-server, caddy)");
            // env execs the server in its own process: the pid is the server's, unless unshare forks it into its namespaces.
            string[] command = ["/usr/bin/env", .. environment, executable, .. args];
            var program = inNamespaces
                ? LaunchedProgram.StartWithOutputFile("/usr/bin/unshare", ["--pid", "--mount", "--fork", "--mount-proc", "--kill-child", .. command], Path.Combine(folder, "output.log"))
                : LaunchedProgram.StartWithOutputFile(command[0], command[1..], Path.Combine(folder, "output.log"));
            var server = new DistributionServer(name, executable, folder, program, pprof, inNamespaces);
            server.WaitUntilServing();
            if (inNamespaces) server.Pid = server.ForkedPid(program.Pid);
            return server;
        }
        catch
        {
            Directory.Delete(folder, true);
            throw;
        }
    }

    /// <summary>The server's own goroutine dump (runtime.Stack's format: /debug/pprof/goroutine?debug=2).</summary>
    public string PprofDump() => _http.GetStringAsync(_pprof).GetAwaiter().GetResult();

    void WaitUntilServing()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (PprofDump().StartsWith("goroutine ", StringComparison.Ordinal)) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                var output = File.ReadAllText(Path.Combine(Folder, "output.log"));
                Dispose();
                throw new InvalidOperationException($"{Name} did not serve {_pprof} within 30 s: {output[Math.Max(0, output.Length - 2000)..]}");
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>The server unshare forked into its namespaces: the child of <paramref name="unshare"/>, pid 1 inside.</summary>
    int ForkedPid(int unshare)
    {
        foreach (var pid in Procfs.Pids())
        {
            try
            {
                var status = File.ReadAllLines($"/proc/{pid}/status");
                var parent = status.FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal))?["PPid:".Length..].Trim();
                var nspid = status.FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal))?.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                if (parent == unshare.ToString(CultureInfo.InvariantCulture) && nspid?[^1] == "1" && Procfs.ExeLink(pid) == Executable) return pid;
            }
            catch (IOException) { }
        }
        Dispose();
        throw new InvalidOperationException($"{Name}: no child of unshare {unshare} runs {Executable} as pid 1 of its namespace");
    }

    static (string, string[], string[], Uri) Etcd(string folder)
    {
        var (client, peer) = (FreePort(), FreePort());
        string Url(int port) => $"http://127.0.0.1:{port}";
        return ("/usr/bin/etcd", [],
            ["--name", "sideeye", "--data-dir", Path.Combine(folder, "data"), "--enable-pprof",
             "--listen-client-urls", Url(client), "--advertise-client-urls", Url(client),
             "--listen-peer-urls", Url(peer), "--initial-advertise-peer-urls", Url(peer), "--initial-cluster", $"sideeye={Url(peer)}"],
            new Uri($"{Url(client)}/debug/pprof/goroutine?debug=2"));
    }

    static (string, string[], string[], Uri) Caddy(string folder)
    {
        var (admin, site) = (FreePort(), FreePort());
        var config = Path.Combine(folder, "Caddyfile");
        File.WriteAllText(config, $"{{\n\tadmin 127.0.0.1:{admin}\n}}\nhttp://127.0.0.1:{site} {{\n\trespond \"ok\"\n}}\n");
        // caddy keeps its state under XDG_DATA_HOME and XDG_CONFIG_HOME (or HOME): all in the test's folder.
        return ("/usr/bin/caddy", [$"HOME={folder}", $"XDG_DATA_HOME={folder}", $"XDG_CONFIG_HOME={folder}"],
            ["run", "--adapter", "caddyfile", "--config", config],
            new Uri($"http://127.0.0.1:{admin}/debug/pprof/goroutine?debug=2"));
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _http.Dispose();
        _program.Dispose();
        try { Directory.Delete(Folder, true); }
        catch (DirectoryNotFoundException) { }
    }

    public override string ToString() => $"{Name} (pid {Pid.ToString(CultureInfo.InvariantCulture)})";
}
