namespace SideEye.Snapshots.Model;

/// <summary>
/// How the probe that took a process's snapshot was made and loaded: what the verifier spent on it (the margin to
/// its limit), the time to plan and generate it and the time to verify and attach it, whether this snapshot loaded
/// it or reused one loaded before, and which captures were left out because the kernel refused the program with
/// them (the goroutines are still snapshotted), and why pages that were not resident were not faulted in, if so.
/// </summary>
public sealed record ProbeLoad(
    Bpf.VerifierStats? Verifier,
    TimeSpan PlanTime,
    TimeSpan LoadTime,
    bool Reused,
    string? CapturesDropped = null,
    string? FaultInDropped = null)
{
    public override string ToString() =>
        $"probe {(Reused ? "reused (made" : "made")} in {PlanTime.TotalMilliseconds:F0} ms, verified and attached in {LoadTime.TotalMilliseconds:F0} ms{(Reused ? ")" : "")}" +
        (Verifier is { } v ? $"; verifier {v}" : "; the verifier gave no statistics");
}
