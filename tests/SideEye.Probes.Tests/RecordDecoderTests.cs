using System.Buffers.Binary;
using SideEye.Loader.Contract;
using SideEye.Probes.Records;

namespace SideEye.Probes.Tests;

/// <summary>The decoder against records written byte by byte at the documented offsets (no kernel).</summary>
public class RecordDecoderTests
{
    [Fact]
    public void Goroutine_record_decodes_every_field()
    {
        var b = new byte[RecordLayout.GoroutineSize(3)];
        void U32(int o, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(o), v);
        void U64(int o, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(o), v);
        U32(RecordLayout.Kind, RecordLayout.GoroutineKind);
        U32(RecordLayout.Flags, (uint)(GoroutineFlags.Truncated | GoroutineFlags.HasParentGoid));
        U64(RecordLayout.Goid, 42); U32(RecordLayout.Status, 0x1004); U32(RecordLayout.WaitReason, 7); U64(RecordLayout.WaitSince, 99);
        U64(RecordLayout.GAddress, 0xc000001000); U64(RecordLayout.M, 0xc000100000); U64(RecordLayout.ThreadId, 1234);
        U64(RecordLayout.GoPc, 0x401000); U64(RecordLayout.StartPc, 0x402000); U64(RecordLayout.ParentGoid, 1);
        U64(RecordLayout.StackLo, 0xc000200000); U64(RecordLayout.StackHi, 0xc000208000);
        U64(RecordLayout.SchedPc, 1); U64(RecordLayout.SchedSp, 2); U64(RecordLayout.SchedBp, 3);
        U64(RecordLayout.SyscallPc, 4); U64(RecordLayout.SyscallSp, 5); U64(RecordLayout.SyscallBp, 6); U64(RecordLayout.Labels, 0xc000300000);
        U32(RecordLayout.FrameCount, 3);
        for (var i = 0; i < 3; i++) U64(RecordLayout.Pcs + 8 * i, 0x401100 + (ulong)i);

        Assert.Equal(RecordLayout.GoroutineKind, RecordDecoder.KindOf(b));
        var r = RecordDecoder.DecodeGoroutine(b);
        Assert.Equal(new GoRuntime.Goroutines.GoroutineState(0xc000001000, 42, 0x1004, 7, 99, 1, 2, 3, 4, 5, 6,
            0xc000200000, 0xc000208000, 0xc000100000, 1234, 0x401000, 0x402000, 1, 0xc000300000), r.State);
        Assert.Equal([0x401100UL, 0x401101, 0x401102], r.Pcs);
        Assert.True(r.Truncated);

        // Without the parentGoid flag the field means nothing; procid 0 is "no thread".
        U32(RecordLayout.Flags, 0);
        U64(RecordLayout.ThreadId, 0);
        var bare = RecordDecoder.DecodeGoroutine(b);
        Assert.Null(bare.State.ParentGoid);
        Assert.Null(bare.State.ThreadId);
        Assert.False(bare.Truncated);
    }

    [Fact]
    public void Summary_record_decodes_and_reports_drops()
    {
        var b = new byte[RecordLayout.SummarySize];
        BinaryPrimitives.WriteUInt32LittleEndian(b, RecordLayout.SummaryKind);
        foreach (var (o, v) in new[] { (RecordLayout.SummaryAllGLen, 10UL), (RecordLayout.SummarySeen, 9UL), (RecordLayout.SummaryEmitted, 7UL),
                     (RecordLayout.SummaryDropped, 1UL), (RecordLayout.SummaryStartNs, 1000UL), (RecordLayout.SummaryEndNs, 1500UL), (RecordLayout.SummaryGeneration, 3UL) })
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(o), v);
        var s = RecordDecoder.DecodeSummary(b);
        Assert.Equal(new SnapshotSummary(10, 9, 7, 1, 1000, 1500, 3), s);
        Assert.Equal(500UL, s.ProbeNs);
        Assert.False(s.IsComplete);
        var raw = new RawSnapshot(1, [], true, [], new PauseTimings(0, 0, 0, 0, 0, 0), TimeSpan.FromSeconds(1));
        Assert.True(new SnapshotResult([], s, raw).Truncated);
        Assert.True(new SnapshotResult([], null, raw).Truncated);

        // A clamped walk is incomplete even without drops.
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(RecordLayout.SummaryDropped), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(RecordLayout.Flags), (uint)SummaryFlags.Clamped);
        var clamped = RecordDecoder.DecodeSummary(b);
        Assert.Equal(SummaryFlags.Clamped, clamped.Flags);
        Assert.False(clamped.IsComplete);
    }

    [Fact]
    public void Thread_stack_record_decodes_its_window()
    {
        var b = new byte[RecordLayout.ThreadStackHeaderSize + 16];
        BinaryPrimitives.WriteUInt32LittleEndian(b, RecordLayout.ThreadStackKind);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(RecordLayout.ThreadGAddress), 0xc000001000);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(RecordLayout.ThreadTid), 777);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(RecordLayout.ThreadPc), 0x401000);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(RecordLayout.ThreadSp), 0xc000207000);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(RecordLayout.ThreadBp), 0xc000207100);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(RecordLayout.ThreadLength), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(RecordLayout.ThreadStackHeaderSize + 8), 0x402345);
        var t = RecordDecoder.DecodeThreadStack(b);
        Assert.Equal((0xc000001000UL, 777, 0x401000UL, 0xc000207000UL, 0xc000207100UL, 16), (t.GAddress, t.ThreadId, t.Pc, t.Sp, t.Bp, t.Window.Length));
        Assert.Equal(0x402345UL, t.WordAt(8));
        Assert.Null(t.WordAt(9));
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(RecordLayout.ThreadLength), 17);
        Assert.Contains("17-byte window", Assert.Throws<SideEyeException>(() => RecordDecoder.DecodeThreadStack(b)).Message);
    }

    [Fact]
    public void Short_or_mislabelled_records_are_rejected_with_the_reason()
    {
        Assert.Contains("shorter", Assert.Throws<SideEyeException>(() => RecordDecoder.KindOf(new byte[4])).Message);
        var header = new byte[RecordLayout.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, RecordLayout.GoroutineKind);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(RecordLayout.FrameCount), 5);
        Assert.Contains("5 frames", Assert.Throws<SideEyeException>(() => RecordDecoder.DecodeGoroutine(header)).Message);
        Assert.Contains("not a summary", Assert.Throws<SideEyeException>(() => RecordDecoder.DecodeSummary(header)).Message);
    }
}
