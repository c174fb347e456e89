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
    public int Pid => _program.Pid;
    public string Folder { get; }

    DistributionServer(string name, string executable, string folder, LaunchedProgram program, Uri pprof)
    {
        Name = name;
        Executable = executable;
        Folder = folder;
        _program = program;
        _pprof = pprof;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
    }

    public static IEnumerable<object[]> Names => [["etcd"], ["caddy"]];

    public static DistributionServer Start(string name)
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
            // env execs the server in its own process: the pid is the server's.
            var program = LaunchedProgram.StartWithOutputFile("/usr/bin/env", [.. environment, executable, .. args], Path.Combine(folder, "output.log"));
            var server = new DistributionServer(name, executable, folder, program, pprof);
            server.WaitUntilServing();
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
