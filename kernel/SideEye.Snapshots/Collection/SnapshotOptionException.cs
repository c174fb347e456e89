namespace SideEye.Snapshots.Collection;

/// <summary>A snapshot option out of its range, named as the command line and the notebook spell it.</summary>
public sealed class SnapshotOptionException(string option, string why) : SideEyeException($"{option} {why}")
{
    public string Option { get; } = option;
}
