namespace SideEye.Probes.Capture;

/// <summary>
/// One dereference on the way to a captured value: the pointer is the u64 at <see cref="PointerOffset"/> of what
/// was read last (the root, or the previous step's block); <see cref="ReadSize"/> bytes are copied from the
/// pointer plus <see cref="Addend"/> (a constant index times the element size).
/// </summary>
public readonly record struct CaptureStep(int PointerOffset, long Addend, int ReadSize);
