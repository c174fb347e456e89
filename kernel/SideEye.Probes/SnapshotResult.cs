using SideEye.Binary.Pclntab;
using SideEye.Loader.Contract;
using SideEye.Probes.Records;

namespace SideEye.Probes;

/// <summary>
/// One run of the snapshot probe, decoded. <see cref="Summary"/> is null when the probe's closing record never
/// arrived (no hit within the pause limit, or the ring buffer refused it); <see cref="Truncated"/> is then true,
/// as it is when any record was dropped: a snapshot is never silently partial.
/// </summary>
public sealed record SnapshotResult(IReadOnlyList<GoroutineRecord> Goroutines, SnapshotSummary? Summary, RawSnapshot Raw)
{
    /// <summary>The capture batch records of the run (<see cref="CaptureBatchLayout"/>), for <c>Capture.CaptureDecoder</c>.</summary>
    public IReadOnlyList<byte[]> CaptureBatches { get; init; } = [];

    /// <summary>Not every goroutine is in (<see cref="Shortfall"/> says why, along with what else went wrong).</summary>
    public bool Truncated => Summary is null || !Summary.IsComplete || Summary.Emitted != Goroutines.Count;

    /// <summary>
    /// Why the snapshot is partial or failed, in one line; null when it is complete (stacks cut at the frame
    /// limit aside: those are each goroutine's <see cref="GoroutineRecord.Truncated"/>).
    /// </summary>
    public string? Shortfall
    {
        get
        {
            var why = new List<string?> { Raw.Incomplete };
            if (Summary is null) why.Add(Raw.Completed ? "the probe's summary record is missing" : null);
            else
            {
                why.Add(Summary.Shortfall);
                if (Summary.Emitted != Goroutines.Count) why.Add($"{Summary.Emitted - Goroutines.Count} of {Summary.Emitted} goroutine records were not received");
            }
            var unreadable = Goroutines.Count(g => g.Flags.HasFlag(GoroutineFlags.StackUnreadable));
            if (unreadable > 0) why.Add($"{unreadable} goroutine stacks could not be read to the end (memory not resident?)");
            var reasons = why.OfType<string>().ToList();
            return reasons.Count == 0 ? null : string.Join("; ", reasons);
        }
    }

    /// <summary>Time spent inside the target's thread (bpf_ktime_get_ns), or null without a summary.</summary>
    public ulong? ProbeNs => Summary?.ProbeNs;

    /// <summary>
    /// Decodes a run's records: goroutine records (running ones completed with their thread-stack record, see
    /// <see cref="RunningCallerFixup"/>, and labels from the labels record sent ahead of them) and this run's summary.
    /// </summary>
    /// <param name="walkFrames">The most return addresses the probe keeps per goroutine (<c>ProbePlan.WalkFrames</c>).</param>
    /// <param name="loadBias">The process's load bias (a PIE): subtracted from every code address, so the result
    /// holds link-time PCs that the binary's tables know.</param>
    public static SnapshotResult Decode(RawSnapshot raw, GoPclntab pclntab, int walkFrames, ulong loadBias = 0)
    {
        var fixup = new RunningCallerFixup(pclntab, walkFrames);
        var goroutines = new List<GoroutineRecord>(raw.Records.Count);
        var stacks = new Dictionary<ulong, ThreadStackRecord>();
        var labels = new Dictionary<ulong, LabelsRecord>();
        SnapshotSummary? summary = null;
        var batches = new List<byte[]>();
        foreach (var record in raw.Records)
        {
            switch (RecordDecoder.KindOf(record))
            {
                case RecordLayout.GoroutineKind:
                    var g = Unbias(RecordDecoder.DecodeGoroutine(record), loadBias);
                    if (stacks.Remove(g.State.Address, out var stack)) g = fixup.Apply(g, stack);
                    if (labels.Remove(g.State.Address, out var l)) g = g with { Labels = l.Labels };
                    goroutines.Add(g);
                    break;
                case RecordLayout.LabelsKind:
                    var decoded = RecordDecoder.DecodeLabels(record);
                    labels[decoded.GAddress] = decoded;
                    break;
                case RecordLayout.ThreadStackKind:
                    var t = Unbias(RecordDecoder.DecodeThreadStack(record), loadBias);
                    stacks[t.GAddress] = t;
                    break;
                case RecordLayout.SummaryKind:
                    summary = RecordDecoder.DecodeSummary(record);
                    break;
                case CaptureBatchLayout.Kind:
                    batches.Add(record);
                    break;
                default:
                    throw new SideEyeException($"snapshot probe record of unknown kind {RecordDecoder.KindOf(record)}");
            }
        }
        // The runner only reports a run complete when its own summary closes it; anything else is partial.
        return new SnapshotResult(goroutines, raw.Completed ? summary : null, raw) { CaptureBatches = batches };
    }

    static GoroutineRecord Unbias(GoroutineRecord g, ulong bias)
    {
        if (bias == 0) return g;
        ulong Code(ulong pc) => pc == 0 ? 0 : pc - bias;
        var state = g.State with
        {
            SchedPc = Code(g.State.SchedPc),
            SyscallPc = Code(g.State.SyscallPc),
            GoPc = Code(g.State.GoPc),
            StartPc = Code(g.State.StartPc),
        };
        return g with { State = state, Pcs = g.Pcs.Select(Code).ToArray() };
    }

    /// <summary>The pc, and every stack word (only return addresses are looked up, so moving data words is harmless).</summary>
    static ThreadStackRecord Unbias(ThreadStackRecord t, ulong bias)
    {
        if (bias == 0) return t;
        var window = (byte[])t.Window.Clone();
        for (var i = 0; i + 8 <= window.Length; i += 8)
        {
            var word = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(window.AsSpan(i));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(window.AsSpan(i), word - bias);
        }
        return t with { Pc = t.Pc - bias, Window = window };
    }
}
