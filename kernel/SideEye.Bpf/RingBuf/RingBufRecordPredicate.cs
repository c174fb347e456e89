namespace SideEye.Bpf.RingBuf;

/// <summary>Tests one ring buffer record in place; the span is valid only during the call.</summary>
public delegate bool RingBufRecordPredicate(ReadOnlySpan<byte> record);
