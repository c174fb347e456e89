using System.Buffers.Binary;
using SideEye.Probes.Records;

namespace SideEye.Probes.Capture;

/// <summary>A frame the probe captured: its goroutine, physical frame index, pc, CFA, plan and stack span as read.</summary>
public sealed record CapturedFrame(long Goid, int Index, ulong Pc, ulong Cfa, int Plan, long SpanOffset, bool HadRegisters, byte[] Span);

/// <summary>The probe's capture counters for one run (the stats entry).</summary>
public sealed record CaptureStats(ulong BytesCopied, ulong QueueOverflows, ulong FramesDropped, ulong Unreadable, bool BudgetExhausted, ulong BatchesDropped, ulong FirstUnreadable = 0)
{
    /// <summary>
    /// Why captured values may be incomplete, in one line; null when nothing was lost. Memory that could not be read
    /// (<see cref="Unreadable"/>: not resident, or a stale pointer in a map's empty slot) is not listed: the values
    /// that needed it say so where it was missing ("$unread"), which is more exact than a count.
    /// </summary>
    public string? Shortfall
    {
        get
        {
            var why = new List<string>();
            if (BatchesDropped > 0) why.Add($"{BatchesDropped} capture records did not fit in the ring buffer");
            if (BudgetExhausted) why.Add($"the capture budget ran out after {BytesCopied} bytes");
            if (QueueOverflows > 0) why.Add($"{QueueOverflows} references were not followed (queue full)");
            if (FramesDropped > 0) why.Add($"{FramesDropped} frames were not captured (more than 32 in one goroutine)");
            return why.Count == 0 ? null : string.Join("; ", why);
        }
    }
}

/// <summary>Splits capture batch records (<see cref="CaptureBatchLayout"/>) into copied memory blocks, frames and the run's stats.</summary>
public static class CaptureBatch
{
    public static (List<(ulong Address, byte[] Bytes)> Blocks, List<CapturedFrame> Frames, CaptureStats? Stats) Parse(IEnumerable<byte[]> batches)
    {
        var blocks = new List<(ulong, byte[])>();
        var frames = new List<CapturedFrame>();
        CaptureStats? stats = null;
        foreach (var record in batches)
        {
            var span = record.AsSpan();
            if (span.Length < CaptureBatchLayout.HeaderSize) throw new SideEyeException($"capture record of {span.Length} bytes is shorter than its header");
            var used = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[CaptureBatchLayout.Used..]);
            var end = CaptureBatchLayout.HeaderSize + used;
            if (end > span.Length) throw new SideEyeException($"capture record claims {used} bytes of entries but has {span.Length - CaptureBatchLayout.HeaderSize}");
            var at = CaptureBatchLayout.HeaderSize;
            while (at + CaptureBatchLayout.EntryHeaderSize <= end)
            {
                var kind = BinaryPrimitives.ReadUInt32LittleEndian(span[(at + CaptureBatchLayout.EntryKind)..]);
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(at + CaptureBatchLayout.EntryLength)..]);
                var address = BinaryPrimitives.ReadUInt64LittleEndian(span[(at + CaptureBatchLayout.EntryAddress)..]);
                var payload = at + CaptureBatchLayout.EntryHeaderSize;
                if (length < 0 || payload + length > end) throw new SideEyeException($"capture entry of kind {kind} runs past its record");
                var p = span.Slice(payload, length);
                switch (kind)
                {
                    case CaptureBatchLayout.BlockEntry:
                        blocks.Add((address, p.ToArray()));
                        break;
                    case CaptureBatchLayout.FrameEntry when length >= CaptureBatchLayout.FrameFixedSize:
                        var frame = new CapturedFrame((long)address,
                            (int)BinaryPrimitives.ReadUInt32LittleEndian(p[CaptureBatchLayout.FrameIndex..]),
                            BinaryPrimitives.ReadUInt64LittleEndian(p[CaptureBatchLayout.FramePc..]),
                            BinaryPrimitives.ReadUInt64LittleEndian(p[CaptureBatchLayout.FrameCfa..]),
                            (int)BinaryPrimitives.ReadUInt32LittleEndian(p[CaptureBatchLayout.FramePlan..]),
                            BinaryPrimitives.ReadInt32LittleEndian(p[CaptureBatchLayout.FrameSpanOffset..]),
                            (BinaryPrimitives.ReadUInt32LittleEndian(p[CaptureBatchLayout.FrameFlags..]) & CaptureBatchLayout.FrameRegisters) != 0,
                            p[CaptureBatchLayout.FrameFixedSize..].ToArray());
                        frames.Add(frame);
                        if (frame.Span.Length > 0) blocks.Add((frame.Cfa + (ulong)frame.SpanOffset, frame.Span));
                        break;
                    case CaptureBatchLayout.StatsEntry when length >= CaptureBatchLayout.StatsSize:
                        var u = new ulong[CaptureBatchLayout.StatsSize / 8];
                        for (var k = 0; k < u.Length; k++) u[k] = BinaryPrimitives.ReadUInt64LittleEndian(p[(8 * k)..]);
                        stats = new CaptureStats(u[0], u[1], u[2], u[3], u[4] != 0, u[5], u[6]);
                        break;
                    default:
                        throw new SideEyeException($"capture entry of unknown kind {kind}");
                }
                at = payload + CaptureBatchLayout.Align8(length);
            }
        }
        return (blocks, frames, stats);
    }
}
