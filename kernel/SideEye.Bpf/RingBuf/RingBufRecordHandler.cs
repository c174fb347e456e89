namespace SideEye.Bpf.RingBuf;

/// <summary>Receives one ring buffer record; the span points into the shared mapping and is valid only during the call.</summary>
public delegate void RingBufRecordHandler(ReadOnlySpan<byte> record);
