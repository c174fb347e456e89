namespace SideEye.Probes.Capture;

/// <summary>A pc range [Low, High) (link-time) where frames are captured with <see cref="FramePlan"/> number Plan.</summary>
public readonly record struct CaptureInterval(ulong Low, ulong High, int Plan);
