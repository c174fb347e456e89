using SideEye.Binary.Pclntab;
using SideEye.Loader.Run;
using SideEye.Probes.Records;

namespace SideEye.Probes;

/// <summary>
/// One run of the snapshot probe, decoded. <see cref="Summary"/> is null when the probe's closing record never
/// arrived (no hit within the pause limit, or the ring buffer refused it); <see cref="Truncated"/> is then true,
/// as it is when any record was dropped: a snapshot is never silently partial.
/// </summary>
public sealed record SnapshotResult(IReadOnlyList<GoroutineRecord> Goroutines, SnapshotSummary? Summary, RawSnapshot Raw)
{
    public bool Truncated => Summary is null || !Summary.IsComplete || Summary.Emitted != Goroutines.Count;
    /// <summary>Time spent inside the target's thread (bpf_ktime_get_ns), or null without a summary.</summary>
    public ulong? ProbeNs => Summary?.ProbeNs;

    /// <summary>
    /// Decodes a run's records: goroutine records (running ones completed with their thread-stack record, see
    /// <see cref="RunningCallerFixup"/>, and labels from the labels record sent ahead of them) and this run's summary.
    /// </summary>
    public static SnapshotResult Decode(RawSnapshot raw, GoPclntab pclntab, int maxFrames)
    {
        var fixup = new RunningCallerFixup(pclntab, maxFrames);
        var goroutines = new List<GoroutineRecord>(raw.Records.Count);
        var stacks = new Dictionary<ulong, ThreadStackRecord>();
        var labels = new Dictionary<ulong, LabelsRecord>();
        SnapshotSummary? summary = null;
        foreach (var record in raw.Records)
        {
            switch (RecordDecoder.KindOf(record))
            {
                case RecordLayout.GoroutineKind:
                    var g = RecordDecoder.DecodeGoroutine(record);
                    if (stacks.Remove(g.State.Address, out var stack)) g = fixup.Apply(g, stack);
                    if (labels.Remove(g.State.Address, out var l)) g = g with { Labels = l.Labels };
                    goroutines.Add(g);
                    break;
                case RecordLayout.LabelsKind:
                    var decoded = RecordDecoder.DecodeLabels(record);
                    labels[decoded.GAddress] = decoded;
                    break;
                case RecordLayout.ThreadStackKind:
                    var t = RecordDecoder.DecodeThreadStack(record);
                    stacks[t.GAddress] = t;
                    break;
                case RecordLayout.SummaryKind:
                    summary = RecordDecoder.DecodeSummary(record);
                    break;
                default:
                    throw new SideEyeException($"snapshot probe record of unknown kind {RecordDecoder.KindOf(record)}");
            }
        }
        // The runner only reports a run complete when its own summary closes it; anything else is partial.
        return new SnapshotResult(goroutines, raw.Completed ? summary : null, raw);
    }
}
