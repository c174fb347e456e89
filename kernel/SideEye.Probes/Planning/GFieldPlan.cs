namespace SideEye.Probes.Planning;

/// <summary>Where the probe reads one field inside its copy of a runtime struct: offset and size in bytes (1, 2, 4 or 8).</summary>
public readonly record struct GFieldPlan(string Name, int Offset, int Size);
