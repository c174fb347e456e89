namespace SideEye.Probes.Capture;

/// <summary>A type the probe can copy: its size and the run of <see cref="GatherTypeTable.Slots"/> it owns.</summary>
public readonly record struct GatherType(string Name, long Size, int FirstSlot, int SlotCount);
