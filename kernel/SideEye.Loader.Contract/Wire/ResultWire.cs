using Google.Protobuf;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Loader.Contract.Wire;

/// <summary>
/// A <see cref="RawSnapshot"/> on the wire: its records in <see cref="M.RecordsChunk"/> messages of bounded size
/// (a snapshot of 100,000 goroutines is tens of megabytes; no message gets near gRPC's limits and none is copied
/// whole), then a <see cref="M.RunOutcome"/> with the rest, which says how many records came ahead of it.
/// </summary>
public static class ResultWire
{
    /// <summary>Records per chunk are added until the chunk reaches this many bytes.</summary>
    public const int ChunkBytes = 1 << 20;

    public static IEnumerable<M.RecordsChunk> Chunks(RawSnapshot raw, int chunkBytes = ChunkBytes)
    {
        var chunk = new M.RecordsChunk { Pid = raw.Pid };
        var bytes = 0;
        foreach (var record in raw.Records)
        {
            // Wrapped, not copied: the records are not touched again until the message is written.
            chunk.Records.Add(UnsafeByteOperations.UnsafeWrap(record));
            bytes += record.Length;
            if (bytes >= chunkBytes)
            {
                yield return chunk;
                chunk = new M.RecordsChunk { Pid = raw.Pid };
                bytes = 0;
            }
        }
        if (chunk.Records.Count > 0) yield return chunk;
    }

    public static M.RunOutcome Outcome(RawSnapshot raw)
    {
        var t = raw.Timings;
        var outcome = new M.RunOutcome
        {
            Pid = raw.Pid,
            Completed = raw.Completed,
            MaxPauseNs = raw.MaxPause.Ticks * 100,
            RecordCount = (uint)raw.Records.Count,
            Timings = new M.PauseTimings
            {
                PauseNs = t.PauseNs,
                StopNs = t.StopNs,
                ArmNs = t.ArmNs,
                TriggerNs = t.TriggerNs,
                ProbeWaitNs = t.ProbeWaitNs,
                ResumeNs = t.ResumeNs,
                TriggeredAtNs = t.TriggeredAtNs,
                CompletedAtNs = t.CompletedAtNs,
                StoppedAtNs = t.StoppedAtNs,
            },
        };
        foreach (var thread in raw.Threads)
        {
            var r = thread.Registers;
            var m = new M.StoppedThread { Tid = thread.Tid, Pc = r.Pc, Sp = r.Sp, Bp = r.Bp };
            GeneralRegisters general = r.General;
            foreach (var value in (ReadOnlySpan<ulong>)general) m.General.Add(value);
            outcome.Threads.Add(m);
        }
        return outcome;
    }

    /// <summary>The run again from its outcome and the records received ahead of it; strict about both.</summary>
    public static RawSnapshot Assemble(M.RunOutcome outcome, IReadOnlyList<byte[]> records)
    {
        if (outcome.RecordCount != records.Count)
            throw Malformed($"{records.Count} records arrived for process {outcome.Pid}, its outcome says {outcome.RecordCount}");
        var t = outcome.Timings ?? throw Malformed($"the outcome for process {outcome.Pid} has no timings");
        var threads = outcome.Threads.Select(m =>
        {
            if (m.General.Count != GeneralRegisters.Count)
                throw Malformed($"thread {m.Tid} has {m.General.Count} general registers, not {GeneralRegisters.Count}");
            var general = new GeneralRegisters();
            for (var i = 0; i < GeneralRegisters.Count; i++) general[i] = m.General[i];
            return new StoppedThread(m.Tid, new ThreadRegisters(m.Pc, m.Sp, m.Bp, general));
        }).ToArray();
        return new RawSnapshot(outcome.Pid, records, outcome.Completed, threads,
            new PauseTimings(t.PauseNs, t.StopNs, t.ArmNs, t.TriggerNs, t.ProbeWaitNs, t.ResumeNs, t.TriggeredAtNs, t.CompletedAtNs, t.StoppedAtNs),
            TimeSpan.FromTicks(outcome.MaxPauseNs / 100));
    }

    static SideEyeException Malformed(string why) => new($"malformed snapshot result: {why}");
}
