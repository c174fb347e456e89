using Microsoft.Extensions.Logging;
using SideEye.GoRuntime.Processes;
using SideEye.Loader.Contract;
using SideEye.Loader.Run;

namespace SideEye.Agent.Probes;

/// <summary>
/// The probes the agent keeps loaded between calls, one per client and process (as a local snapshotter keeps its
/// runners), so a warm snapshot costs no verifier time. A call names a kept probe by its job's SHA-256. A probe is
/// unloaded when its process exits or restarts, when no call has used it for the idle time, when the call that
/// uses it is cancelled (a client gone), when its client loads another job for the process, and at shutdown;
/// never while a call uses it. Pauses of one process are taken one at a time, whoever asks.
/// </summary>
public sealed class LoadedProbes(TimeSpan idle, ILogger<LoadedProbes> logger) : IDisposable
{
    /// <summary>Kept probes at most; the least recently used idle one goes first.</summary>
    public const int MaxProbes = 256;

    readonly Dictionary<(string Caller, int Pid), LoadedProbe> _probes = [];
    readonly Dictionary<int, SemaphoreSlim> _pauses = [];
    readonly object _gate = new();
    bool _disposed;

    public int Count
    {
        get { lock (_gate) return _probes.Count; }
    }

    /// <summary>
    /// The caller's probe for the process if it runs the job named <paramref name="sha256"/>; else, with
    /// <paramref name="job"/>, a new one loaded in its place (null job: null, the caller must send it). The probe is
    /// marked in use until <see cref="Release"/>. Loading errors (the verifier's, say) propagate.
    /// </summary>
    public (LoadedProbe? Probe, bool Reused) Acquire(string caller, int pid, ulong startTicks, byte[] sha256, SnapshotJob? job, string programSha256)
    {
        LoadedProbe? stale = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_probes.TryGetValue((caller, pid), out var kept))
            {
                if (kept.StartTicks == startTicks && kept.Sha256.AsSpan().SequenceEqual(sha256))
                {
                    kept.Users++;
                    kept.LastUsedTicks = Environment.TickCount64;
                    return (kept, true);
                }
                if (job is null) return (null, false);
                if (kept.Users == 0)
                {
                    _probes.Remove((caller, pid));
                    stale = kept;
                }
            }
            else if (job is null) return (null, false);
        }
        stale?.Runner.Dispose();
        // Loading (maps, verifier, uprobe) happens outside the lock: other processes' calls go on meanwhile.
        var runner = SnapshotRunner.Load(job!);
        var probe = new LoadedProbe(caller, pid, startTicks, sha256, runner, programSha256) { Users = 1 };
        List<LoadedProbe> evicted;
        lock (_gate)
        {
            if (_disposed)
            {
                runner.Dispose();
                throw new ObjectDisposedException(nameof(LoadedProbes));
            }
            // Another call of the same client may have loaded one meanwhile: the newest wins, the other goes when unused.
            if (_probes.Remove((caller, pid), out var replaced) && replaced.Users == 0) stale = replaced;
            else stale = null;
            _probes[(caller, pid)] = probe;
            evicted = _probes.Count <= MaxProbes ? [] : _probes.Values.Where(p => p.Users == 0).OrderBy(p => p.LastUsedTicks).Take(_probes.Count - MaxProbes).ToList();
            foreach (var p in evicted) _probes.Remove((p.CallerKey, p.Pid));
        }
        stale?.Runner.Dispose();
        foreach (var p in evicted) p.Runner.Dispose();
        return (probe, false);
    }

    /// <summary>Ends a call's use of a probe; <paramref name="unload"/> (the call was cancelled, or its process failed) unloads it now.</summary>
    public void Release(LoadedProbe probe, bool unload)
    {
        var dispose = false;
        lock (_gate)
        {
            probe.Users--;
            probe.LastUsedTicks = Environment.TickCount64;
            var current = _probes.TryGetValue((probe.CallerKey, probe.Pid), out var kept) && kept == probe;
            if (probe.Users == 0 && (unload || !current || _disposed))
            {
                if (current) _probes.Remove((probe.CallerKey, probe.Pid));
                dispose = true;
            }
        }
        if (dispose) probe.Runner.Dispose();
    }

    /// <summary>Waits for the process's other pauses to end; the returned handle lets the next one in.</summary>
    public async Task<IDisposable> PauseTurnAsync(int pid, CancellationToken cancellation)
    {
        SemaphoreSlim turn;
        lock (_gate)
        {
            if (!_pauses.TryGetValue(pid, out turn!)) _pauses[pid] = turn = new SemaphoreSlim(1, 1);
        }
        await turn.WaitAsync(cancellation).ConfigureAwait(false);
        return new Turn(turn);
    }

    sealed class Turn(SemaphoreSlim turn) : IDisposable
    {
        int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) turn.Release();
        }
    }

    /// <summary>Unloads the probes of processes that exited or restarted and those idle for longer than the idle time.</summary>
    public int Sweep()
    {
        var now = Environment.TickCount64;
        List<LoadedProbe> gone;
        lock (_gate)
        {
            gone = _probes.Values.Where(p => p.Users == 0 &&
                (now - p.LastUsedTicks > idle.TotalMilliseconds || ProcessStart.Read(p.Pid)?.Ticks != p.StartTicks)).ToList();
            foreach (var p in gone) _probes.Remove((p.CallerKey, p.Pid));
            foreach (var pid in _pauses.Keys.Where(pid => !Directory.Exists($"/proc/{pid}")).ToList())
                if (_pauses[pid].CurrentCount == 1) _pauses.Remove(pid);
        }
        foreach (var p in gone)
        {
            p.Runner.Dispose();
            logger.LogInformation("unloaded the probe of process {Pid} for {Caller}: exited, restarted or idle", p.Pid, p.CallerKey);
        }
        return gone.Count;
    }

    public void Dispose()
    {
        List<LoadedProbe> all;
        lock (_gate)
        {
            _disposed = true;
            all = _probes.Values.Where(p => p.Users == 0).ToList();
            _probes.Clear();
        }
        foreach (var p in all) p.Runner.Dispose();
    }
}
