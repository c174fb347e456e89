namespace SideEye.Loader.Contract;

/// <summary>
/// Where a run's pause went, in nanoseconds: stopping every thread, handing the probe their registers and
/// arming it, getting the trigger thread into its signal handler, waiting for the completion record, and
/// resuming the others. <see cref="PauseNs"/> is from the first stop request to the last thread resumed.
/// <see cref="TriggeredAtNs"/> and <see cref="CompletedAtNs"/> (CLOCK_MONOTONIC, the probe's own clock) bracket
/// the probe wait, so the probe's start and end times split it into signal delivery, the probe, and our wake-up.
/// <see cref="StoppedAtNs"/> (CLOCK_MONOTONIC) is when every thread was stopped: from then until the resume nothing in
/// the process changes, so it is the instant the snapshot shows, whenever the probe got to read it.
/// </summary>
public sealed record PauseTimings(long PauseNs, long StopNs, long ArmNs, long TriggerNs, long ProbeWaitNs, long ResumeNs,
    long TriggeredAtNs = 0, long CompletedAtNs = 0, long StoppedAtNs = 0)
{
    public override string ToString() =>
        $"pause {PauseNs / 1e6:F3} ms (stop {StopNs / 1e3:F0} µs, arm {ArmNs / 1e3:F0} µs, trigger {TriggerNs / 1e3:F0} µs, " +
        $"probe {ProbeWaitNs / 1e3:F0} µs, resume {ResumeNs / 1e3:F0} µs)";

    /// <summary>
    /// The probe wait split by the probe's own start and end (CLOCK_MONOTONIC): until the probe started (signal
    /// delivery, the uprobe), the probe itself, and until we saw its completion (the ring's wake-up).
    /// </summary>
    public string ProbeWaitSplit(ulong probeStartNs, ulong probeEndNs) =>
        TriggeredAtNs == 0 || probeStartNs == 0 ? "" :
        $"probe wait: {((long)probeStartNs - TriggeredAtNs) / 1e3:F0} µs to start, {(long)(probeEndNs - probeStartNs) / 1e3:F0} µs in the probe, {(CompletedAtNs - (long)probeEndNs) / 1e3:F0} µs to wake us";
}
