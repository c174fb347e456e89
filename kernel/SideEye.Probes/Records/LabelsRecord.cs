namespace SideEye.Probes.Records;

/// <summary>
/// A goroutine's pprof labels as the probe copied them. A key or value longer than the probe copies
/// (RecordLayout.LabelKeyBytes / LabelValueBytes) ends in "…" and <see cref="Cut"/> is set.
/// </summary>
public sealed record LabelsRecord(ulong GAddress, IReadOnlyDictionary<string, string> Labels, bool Cut);
