using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using SideEye.Binary.DebugInfo;
using SideEye.Binary.Elf;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// Everything a production binary does at once: testdata/requests serving on loopback, built as distributions build
/// (cgo, dynamically linked, stripped, its DWARF split off into a debug file), run as a container runs it (its own PID
/// and mount namespaces, the executable only on a tmpfs inside), its debug file served only by Debian's debuginfod (on
/// loopback), and its memory paged out into swap before the snapshot, as an idle service's is. The snapshot must have
/// every in-flight request's goroutine, with its namespace pid, and the captured values the program printed.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class ProductionServerTests(ITestOutputHelper output) : IDisposable
{
    static readonly string[] Expressions = ["req.ID", "req.Path", "req.User", "req.Tags", "len(req.Tags)"];
    readonly string _folder = Directory.CreateTempSubdirectory("sideeye-production-").FullName;
    Process? _debuginfod;

    [Fact]
    public async Task A_stripped_cgo_server_in_a_container_gets_captures_from_debuginfod_with_its_memory_paged_out()
    {
        Requires.Root();
        const int n = 1000;
        var toolchain = GoToolchains.Newest;
        var build = GoFixture.Build("requests", toolchain, GoBuildFlags.Cgo | GoBuildFlags.SeparateDebugInfo);
        var image = ElfImage.Open(build);
        var buildId = image.GnuBuildId!;
        // As shipped: no DWARF in the file, dynamically linked (an interpreter and libc), with cgo's runtime support.
        var headers = ExternalTool.Run("readelf", "-lSd", "-W", build);
        Assert.DoesNotContain(".debug_info", headers);
        Assert.Contains("Requesting program interpreter", headers);
        Assert.Contains("libc.so.6", headers);

        using var swap = SwapSpace.Acquire();
        var served = Directory.CreateDirectory(Path.Combine(_folder, "served")).FullName;
        File.Copy(GoFixture.DebugFileOf(buildId), Path.Combine(served, "requests.debug"));
        var url = await StartDebuginfod(served, buildId);
        var root = Directory.CreateDirectory(Path.Combine(_folder, "root")).FullName;
        using var program = LaunchedProgram.StartUntilReady("unshare",
            ["--pid", "--mount", "--fork", "--mount-proc", "--kill-child", "sh", "-c",
             "mount -t tmpfs sideeye \"$0\" && cp \"$1\" \"$0/svc\" && exec \"$0/svc\" -n \"$2\" -listen", root, build, n.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(60));
        Assert.Equal(1, program.Pid);
        var printed = program.Lines.Where(l => l.StartsWith("request ", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l.Split(' ', 3)[2])!.AsObject()).ToArray();
        Assert.Equal(3, printed.Length);
        using (var http = new HttpClient())
            Assert.Equal($"{n} in flight\n", await http.GetStringAsync(new Uri($"http://{program.Ready["addr"]}/")));
        var hostPid = Procfs.Pids().Single(pid => Procfs.ExeLink(pid) == Path.Combine(root, "svc"));

        var swapped = PageOut.Process(hostPid);
        Assert.True(swapped > 1 << 20, $"only {swapped} bytes went to swap");
        var debugInfo = DebugInfoSources.None with { Servers = [url], CacheDirectory = Path.Combine(_folder, "cache") };
        using var snapshotter = new LocalSnapshotter { DebugInfo = debugInfo, Captures = CaptureSpec.Empty.WithCapture("svc", "main.(*server).handle", Expressions) };
        var process = snapshotter.Take([hostPid]).Processes.Single();
        output.WriteLine($"{swapped >> 20} MiB paged out; {process.Goroutines.Count} goroutines, {process.Captures?.Count} values, pause {process.PauseNs / 1e6:F2} ms; {process.Reads?.Describe()}");
        Assert.True(process.Error is null, process.Error);
        Assert.Equal((hostPid, 1), (process.Pid, process.NamespacePid));
        Assert.True(process.Reads!.Faulted > 0, process.Reads.Describe());
        Assert.Equal(n, process.Goroutines.Count(g => g.Frames.Any(f => f.Func == "main.(*server).handle")));
        var byId = process.Captures!.GroupBy(c => (c.Goid, c.Depth)).ToDictionary(f => f.Single(c => c.Expression == "req.ID").ValueJson!, f => f.ToDictionary(c => c.Expression, c => c.ValueJson));
        Assert.Equal(n, byId.Count);
        foreach (var expected in printed)
        {
            var values = byId[expected["req.ID"]!.ToJsonString()];
            foreach (var e in Expressions)
                Assert.True(values[e] is { } json && JsonNode.DeepEquals(expected[e], JsonNode.Parse(json)), $"request {expected["req.ID"]} {e}: printed {expected[e]!.ToJsonString()}, captured {values[e]}");
        }
        // The debug file came from the server, into the cache elfutils' client shares.
        Assert.True(File.Exists(Path.Combine(_folder, "cache", buildId, "debuginfo")));
    }

    /// <summary>Debian's debuginfod on a free loopback port, indexing <paramref name="folder"/>; returns its URL once it serves <paramref name="buildId"/> (bounded).</summary>
    async Task<Uri> StartDebuginfod(string folder, string buildId)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var start = new ProcessStartInfo("debuginfod") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-F", "-p", port.ToString(CultureInfo.InvariantCulture), "-d", Path.Combine(_folder, "db.sqlite"), folder }) start.ArgumentList.Add(a);
        _debuginfod = Process.Start(start) ?? throw new InvalidOperationException("cannot start debuginfod");
        _ = _debuginfod.StandardError.ReadToEndAsync();
        _ = _debuginfod.StandardOutput.ReadToEndAsync();
        var url = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var response = await http.GetAsync(new Uri(url, $"buildid/{buildId}/debuginfo"), HttpCompletionOption.ResponseHeadersRead);
                if (response.IsSuccessStatusCode) return url;
            }
            catch (HttpRequestException) { } // not listening yet
            await Task.Delay(200);
        }
        throw new TimeoutException($"debuginfod on {url} did not serve build ID {buildId} within 60 s");
    }

    public void Dispose()
    {
        if (_debuginfod is { } server)
        {
            try { server.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { } // already gone
            server.WaitForExit();
            server.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }
}
