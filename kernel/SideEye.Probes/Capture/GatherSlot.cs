namespace SideEye.Probes.Capture;

/// <summary>
/// One place in a gathered type that leads to more memory: where the address is, how many elements of which type
/// it points to (at most <see cref="MaxCount"/>: the limits), and whether following it is a pointer hop that counts
/// against the pointer depth (string bytes, slice elements and map or channel internals do not).
/// </summary>
public readonly record struct GatherSlot(GatherSlotKind Kind, int Offset, int CountOffset, int Child, int AltChild, int MaxCount, bool CostsDepth);
