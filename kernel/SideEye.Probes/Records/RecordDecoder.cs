using System.Buffers.Binary;
using SideEye.GoRuntime.Goroutines;

namespace SideEye.Probes.Records;

/// <summary>Turns the probe's raw ring-buffer records (<see cref="RecordLayout"/>) back into values.</summary>
public static class RecordDecoder
{
    /// <summary>The record's kind word (<see cref="RecordLayout.GoroutineKind"/>, <see cref="RecordLayout.SummaryKind"/> or <see cref="RecordLayout.ThreadStackKind"/>).</summary>
    public static uint KindOf(ReadOnlySpan<byte> record) =>
        record.Length >= 8 ? U32(record, RecordLayout.Kind) : throw Malformed($"a record of {record.Length} bytes is shorter than its 8-byte kind/flags word");

    public static GoroutineRecord DecodeGoroutine(ReadOnlySpan<byte> record)
    {
        if (KindOf(record) != RecordLayout.GoroutineKind) throw Malformed($"record kind {KindOf(record)} is not a goroutine record");
        if (record.Length < RecordLayout.HeaderSize) throw Malformed($"goroutine record of {record.Length} bytes is shorter than its {RecordLayout.HeaderSize}-byte header");
        var flags = (GoroutineFlags)U32(record, RecordLayout.Flags);
        var frames = (int)U32(record, RecordLayout.FrameCount);
        if (record.Length < RecordLayout.GoroutineSize(frames))
            throw Malformed($"goroutine record of {record.Length} bytes cannot hold its {frames} frames");

        var procid = U64(record, RecordLayout.ThreadId);
        var state = new GoroutineState(
            U64(record, RecordLayout.GAddress),
            (long)U64(record, RecordLayout.Goid),
            U32(record, RecordLayout.Status),
            (int)U32(record, RecordLayout.WaitReason),
            (long)U64(record, RecordLayout.WaitSince),
            U64(record, RecordLayout.SchedPc), U64(record, RecordLayout.SchedSp), U64(record, RecordLayout.SchedBp),
            U64(record, RecordLayout.SyscallPc), U64(record, RecordLayout.SyscallSp), U64(record, RecordLayout.SyscallBp),
            U64(record, RecordLayout.StackLo), U64(record, RecordLayout.StackHi),
            U64(record, RecordLayout.M),
            procid is > 0 and < int.MaxValue ? (int)procid : null,
            U64(record, RecordLayout.GoPc), U64(record, RecordLayout.StartPc),
            flags.HasFlag(GoroutineFlags.HasParentGoid) ? (long)U64(record, RecordLayout.ParentGoid) : null,
            U64(record, RecordLayout.Labels));
        var pcs = new ulong[frames];
        for (var i = 0; i < frames; i++) pcs[i] = U64(record, RecordLayout.Pcs + 8 * i);
        return new GoroutineRecord(state, pcs, flags);
    }

    public static ThreadStackRecord DecodeThreadStack(ReadOnlySpan<byte> record)
    {
        if (KindOf(record) != RecordLayout.ThreadStackKind) throw Malformed($"record kind {KindOf(record)} is not a thread-stack record");
        if (record.Length < RecordLayout.ThreadStackHeaderSize) throw Malformed($"thread-stack record of {record.Length} bytes is shorter than its {RecordLayout.ThreadStackHeaderSize}-byte header");
        var length = (int)U32(record, RecordLayout.ThreadLength);
        if (record.Length < RecordLayout.ThreadStackHeaderSize + length) throw Malformed($"thread-stack record of {record.Length} bytes cannot hold its {length}-byte window");
        return new ThreadStackRecord(U64(record, RecordLayout.ThreadGAddress), (int)U64(record, RecordLayout.ThreadTid),
            U64(record, RecordLayout.ThreadPc), U64(record, RecordLayout.ThreadSp), U64(record, RecordLayout.ThreadBp),
            record.Slice(RecordLayout.ThreadStackHeaderSize, length).ToArray());
    }

    public static LabelsRecord DecodeLabels(ReadOnlySpan<byte> record)
    {
        if (KindOf(record) != RecordLayout.LabelsKind) throw Malformed($"record kind {KindOf(record)} is not a labels record");
        if (record.Length < RecordLayout.LabelsHeaderSize) throw Malformed($"labels record of {record.Length} bytes is shorter than its {RecordLayout.LabelsHeaderSize}-byte header");
        var count = (int)U32(record, RecordLayout.LabelsCount);
        if (count > RecordLayout.MaxLabels || record.Length < RecordLayout.LabelsHeaderSize + count * RecordLayout.LabelSlotSize)
            throw Malformed($"labels record of {record.Length} bytes cannot hold its {count} labels");
        var labels = new Dictionary<string, string>(count, StringComparer.Ordinal);
        var cut = false;
        for (var i = 0; i < count; i++)
        {
            var slot = record.Slice(RecordLayout.LabelsHeaderSize + i * RecordLayout.LabelSlotSize, RecordLayout.LabelSlotSize);
            var key = Text(slot[8..], U32(slot, 0), RecordLayout.LabelKeyBytes, ref cut);
            var value = Text(slot[(8 + RecordLayout.LabelKeyBytes)..], U32(slot, 4), RecordLayout.LabelValueBytes, ref cut);
            labels[key] = value;
        }
        return new LabelsRecord(U64(record, RecordLayout.LabelsGAddress), labels, cut);
    }

    static string Text(ReadOnlySpan<byte> bytes, uint length, int capacity, ref bool cut)
    {
        if (length <= capacity) return System.Text.Encoding.UTF8.GetString(bytes[..(int)length]);
        cut = true;
        return System.Text.Encoding.UTF8.GetString(bytes[..capacity]) + "…";
    }

    public static SnapshotSummary DecodeSummary(ReadOnlySpan<byte> record)
    {
        if (KindOf(record) != RecordLayout.SummaryKind) throw Malformed($"record kind {KindOf(record)} is not a summary record");
        if (record.Length < RecordLayout.SummarySize) throw Malformed($"summary record of {record.Length} bytes is shorter than {RecordLayout.SummarySize}");
        return new SnapshotSummary(
            (long)U64(record, RecordLayout.SummaryAllGLen), (long)U64(record, RecordLayout.SummarySeen),
            (long)U64(record, RecordLayout.SummaryEmitted), (long)U64(record, RecordLayout.SummaryDropped),
            U64(record, RecordLayout.SummaryStartNs), U64(record, RecordLayout.SummaryEndNs), U64(record, RecordLayout.SummaryGeneration),
            (SummaryFlags)U32(record, RecordLayout.Flags),
            (long)U64(record, RecordLayout.SummaryUnreadable))
        {
            Reads = new MissedReadCounts((long)U64(record, RecordLayout.SummaryReadsMissed), (long)U64(record, RecordLayout.SummaryReadsFaulted),
                (long)U64(record, RecordLayout.SummaryFaultNs), ((SummaryFlags)U32(record, RecordLayout.Flags)).HasFlag(SummaryFlags.FaultBudgetSpent)),
        };
    }

    static uint U32(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(b[offset..]);
    static ulong U64(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(b[offset..]);
    static SideEyeException Malformed(string why) => new($"malformed snapshot probe record: {why}");
}
