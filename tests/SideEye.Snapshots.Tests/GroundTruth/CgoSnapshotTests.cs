using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>
/// A snapshot of a program linked with C (testdata/cgo), linked externally and internally, as a PIE and stripped
/// (its runtime model then from layout data), on every toolchain, against the runtime.Stack dump it wrote: the
/// goroutine blocked inside a C call (status syscall, its stack from where it left Go), the ones parked in Go code
/// after a C call, and the one parked in a Go callback called from a thread C created (an extra M) have the dump's
/// status and, as runtime.Stack shows them, its frames. The main goroutine waits inside C on the main thread, the
/// probe's trigger thread, so the trigger signal enters the runtime through cgo's handler (runtime.cgoSigtramp); and
/// a goroutine waits inside the C resolver's getaddrinfo for a name server (on loopback, in the program's own mount
/// namespace's resolv.conf) that never answers.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class CgoSnapshotTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void GoroutinesOfACgoProgramEqualItsDump(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        foreach (var flags in new[] { GoBuildFlags.Cgo, GoBuildFlags.Cgo | GoBuildFlags.InternalLink, GoBuildFlags.Cgo | GoBuildFlags.Pie, GoBuildFlags.Cgo | GoBuildFlags.Stripped })
        {
            var binary = GoFixture.Build("cgo", toolchain, flags);
            var dumpPath = Path.Combine(Path.GetTempPath(), $"cgo-{release}-{Guid.NewGuid():N}.txt");
            var etc = Directory.CreateTempSubdirectory("sideeye-cgo-etc-");
            try
            {
                using var program = StartResolvingInItsOwnMountNamespace(binary, etc.FullName, dumpPath);
                var parks = program.Lines.Where(l => l.StartsWith("park ", StringComparison.Ordinal))
                    .Select(l => l.Split(' ')).ToDictionary(p => long.Parse(p[2]["goid=".Length..]), p => p[1]);
                Assert.Equal(5, parks.Count);
                WaitUntilTheMainThreadPolls(program.Pid);
                using var snapshotter = new LocalSnapshotter { DebugInfo = Binary.DebugInfo.DebugInfoSources.None };
                var process = snapshotter.Take([program.Pid]).Processes.Single();
                Assert.True(process.Error is null, process.Error);
                var ours = process.Goroutines.ToDictionary(g => g.Goid);
                // The trigger thread (the main thread) was inside C: the probe ran through cgo's signal handler.
                var main = ours[1];
                Assert.Equal(("syscall", "main._Cfunc_c_block"), (main.Status, main.Frames.First(f => f.Shown).Func));
                Assert.Contains(main.Frames, f => f.Func == "main.main");
                // Whoever waits inside the C resolver (a goroutine of net's own, not the one that asked).
                var dump = GoroutineDump.ParseFile(dumpPath);
                foreach (var inResolver in dump.Where(d => d.Frames.Any(f => f.Func.Contains("getaddrinfo", StringComparison.Ordinal))))
                    parks.TryAdd(inResolver.Goid, "resolver");
                Assert.Contains("resolver", parks.Values);
                foreach (var dumped in dump.Where(d => parks.ContainsKey(d.Goid)))
                {
                    var context = $"go{release} {flags} goroutine {dumped.Goid} ({parks[dumped.Goid]})";
                    Assert.True(ours.TryGetValue(dumped.Goid, out var g), $"{context}: not in the snapshot");
                    Assert.Equal((context, dumped.Status), (context, g!.WaitReason ?? g.Status));
                    Assert.Equal((context, string.Join('\n', dumped.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}"))),
                        (context, string.Join('\n', g.Frames.Where(f => f.Shown).Select(f => $"{f.Func} {f.File}:{f.Line}"))));
                }
            }
            finally
            {
                File.Delete(dumpPath);
                etc.Delete(recursive: true);
            }
        }
    }

    /// <summary>
    /// The program, with -resolve, in a mount namespace of its own where /etc/resolv.conf names only its own UDP socket on
    /// a loopback address (which never answers, so getaddrinfo waits) and /etc/nsswitch.conf asks files then DNS; the
    /// C resolver forced with GODEBUG=netdns=cgo. unshare and sh exec, so the program keeps their pid.
    /// </summary>
    static LaunchedProgram StartResolvingInItsOwnMountNamespace(string binary, string etc, string dumpPath)
    {
        File.WriteAllText(Path.Combine(etc, "resolv.conf"), "nameserver 127.0.0.77\noptions timeout:30 attempts:5\n");
        File.WriteAllText(Path.Combine(etc, "nsswitch.conf"), "hosts: files dns\n");
        const string script = "mount --bind \"$1/resolv.conf\" /etc/resolv.conf && mount --bind \"$1/nsswitch.conf\" /etc/nsswitch.conf && shift && exec \"$@\"";
        return LaunchedProgram.StartUntilReady("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, "sh", etc,
            binary, "-dump", dumpPath, "-resolve", "stuck.sideeye.test", "-nameserver", "127.0.0.77:53"],
            TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["GODEBUG"] = "netdns=cgo" });
    }

    /// <summary>Until the main thread is in poll(2) (its main goroutine's wait in C), read from /proc; at most 10 s.</summary>
    static void WaitUntilTheMainThreadPolls(int pid)
    {
        for (var waited = 0; waited < 1000; waited++)
        {
            // x86-64: poll is 7, ppoll 271 (glibc's poll may use either).
            if (File.ReadAllText($"/proc/{pid}/syscall").Split(' ')[0] is "7" or "271") return;
            Thread.Sleep(10);
        }
        throw new TimeoutException($"process {pid}'s main thread never entered poll: {File.ReadAllText($"/proc/{pid}/syscall").Trim()}");
    }
}
