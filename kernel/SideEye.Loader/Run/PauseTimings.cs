namespace SideEye.Loader.Run;

/// <summary>
/// Where a run's pause went, in nanoseconds: stopping every thread, handing the probe their registers and
/// arming it, getting the trigger thread into its signal handler, waiting for the completion record, and
/// resuming the others. <see cref="PauseNs"/> is from the first stop request to the last thread resumed.
/// </summary>
public sealed record PauseTimings(long PauseNs, long StopNs, long ArmNs, long TriggerNs, long ProbeWaitNs, long ResumeNs)
{
    public override string ToString() =>
        $"pause {PauseNs / 1e6:F3} ms (stop {StopNs / 1e3:F0} µs, arm {ArmNs / 1e3:F0} µs, trigger {TriggerNs / 1e3:F0} µs, " +
        $"probe {ProbeWaitNs / 1e3:F0} µs, resume {ResumeNs / 1e3:F0} µs)";
}
