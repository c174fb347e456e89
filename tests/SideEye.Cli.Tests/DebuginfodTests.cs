using System.Diagnostics;
using System.Text.Json;
using SideEye.Binary.Elf;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Cli.Tests;

/// <summary>
/// Debian's own debuginfod server (elfutils) serving a debug file split off with objcopy, in a network namespace of the
/// test's own, and `sideeye inspect` in another, reaching it over a veth pair: the stripped executable gets the debug
/// file by its build ID into the cache elfutils' client uses; a build ID the server lacks, and a server nobody answers
/// at, are one line each naming the server.
/// </summary>
[Collection(PrivilegedCliCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class DebuginfodTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("sideeye-debuginfod-").FullName;
    NetworkPair? _network;
    Process? _server;

    [Fact]
    public void A_stripped_executables_debug_file_comes_from_debuginfod_by_build_ID()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        var served = GoFixture.Build("demo", toolchain, GoBuildFlags.SeparateDebugInfo);
        var servedId = ElfImage.Open(served).GnuBuildId!;
        var unserved = GoFixture.Build("parked", toolchain, GoBuildFlags.SeparateDebugInfo);
        var unservedId = ElfImage.Open(unserved).GnuBuildId!;
        var root = Directory.CreateDirectory(Path.Combine(_folder, "served")).FullName;
        File.Copy(GoFixture.DebugFileOf(servedId), Path.Combine(root, "demo.debug"));
        // The executables are read from copies in a folder of their own, so no debuglink finds the files beside the builds.
        var exe = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName, "demo");
        File.Copy(served, exe);
        var other = Path.Combine(_folder, "bin", "parked");
        File.Copy(unserved, other);

        _network = new NetworkPair();
        var url = $"http://{_network.AgentAddress}:8002";
        _server = Start([.. _network.InAgent, "debuginfod", "-F", "-p", "8002", "-d", Path.Combine(_folder, "db.sqlite"), root]);
        var cache = Path.Combine(_folder, "cache");
        var environment = new Dictionary<string, string> { ["DEBUGINFOD_URLS"] = url, ["DEBUGINFOD_CACHE_PATH"] = cache, ["DEBUGINFOD_TIMEOUT"] = "20" };
        WaitUntilServed(servedId, url);

        var (code, stdout, stderr) = SideEyeRun.Run(["inspect", exe, "--json"], _network.InClient, environment);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var cached = Path.Combine(cache, servedId, "debuginfo");
        Assert.Equal($"{url}/ (cached at {cached})", doc.RootElement.GetProperty("dwarf").GetProperty("debugFile").GetString());
        Assert.True(doc.RootElement.TryGetProperty("runtime", out var runtime) && runtime.ValueKind == JsonValueKind.Object, stdout);
        Assert.Equal(File.ReadAllBytes(GoFixture.DebugFileOf(servedId)), File.ReadAllBytes(cached));

        // Cached: found again with the server gone, from the cache alone.
        _server.Kill(entireProcessTree: true);
        _server.WaitForExit();
        var again = SideEyeRun.Run(["inspect", exe], _network.InClient, environment);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains(again.Stdout.Split('\n'), l => l.StartsWith("dwarf", StringComparison.Ordinal) && l.EndsWith($", from {cached}", StringComparison.Ordinal));

        // A server that does not have the build ID, and a server nobody answers at: each named, in the one line.
        _server = Start([.. _network.InAgent, "debuginfod", "-F", "-p", "8002", "-d", Path.Combine(_folder, "db2.sqlite"), root]);
        WaitUntilServed(servedId, url);
        var missing = SideEyeRun.Run(["types", other, "main.parker"], _network.InClient, environment);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains($"debuginfod {url}/: does not have build ID {unservedId}", missing.Stderr);
        Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var nobody = SideEyeRun.Run(["types", other, "main.parker"], _network.InClient,
            new Dictionary<string, string>(environment) { ["DEBUGINFOD_URLS"] = $"http://{_network.AgentAddress}:1" });
        Assert.NotEqual(0, nobody.ExitCode);
        Assert.Contains($"debuginfod http://{_network.AgentAddress}:1/: Connection refused", nobody.Stderr);
        Assert.False(Directory.Exists(Path.Combine(cache, unservedId, "debuginfo")));
    }

    /// <summary>debuginfod indexes its folder after it starts: asks with elfutils' own client until it answers (bounded).</summary>
    void WaitUntilServed(string buildId, string url)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var probe = Start([.. _network!.InClient, "debuginfod-find", "debuginfo", buildId],
                new Dictionary<string, string> { ["DEBUGINFOD_URLS"] = url, ["DEBUGINFOD_CACHE_PATH"] = Path.Combine(_folder, $"probe-cache-{Guid.NewGuid():N}") });
            probe.WaitForExit(TimeSpan.FromSeconds(20));
            if (probe.HasExited && probe.ExitCode == 0) return;
            if (!probe.HasExited) probe.Kill(entireProcessTree: true);
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                throw new InvalidOperationException($"debuginfod at {url} did not serve {buildId} within a minute");
            Thread.Sleep(250);
        }
    }

    static Process Start(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        // Drained, so a chatty process never blocks on a full pipe.
        _ = p.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        _ = p.StandardError.BaseStream.CopyToAsync(Stream.Null);
        return p;
    }

    public void Dispose()
    {
        if (_server is { HasExited: false }) _server.Kill(entireProcessTree: true);
        _server?.WaitForExit();
        _network?.Dispose();
        Directory.Delete(_folder, true);
    }
}
