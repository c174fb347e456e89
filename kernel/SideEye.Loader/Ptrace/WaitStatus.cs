namespace SideEye.Loader.Ptrace;

/// <summary>A decoded waitpid(2) status of a traced thread.</summary>
public readonly record struct WaitStatus(int Raw)
{
    /// <summary>PTRACE_EVENT_CLONE: the thread stopped in clone(2); PTRACE_GETEVENTMSG gives the new tid.</summary>
    public const int EventClone = 3;
    /// <summary>PTRACE_EVENT_STOP: a PTRACE_INTERRUPT stop, a group-stop, or the first stop of an auto-attached thread.</summary>
    public const int EventStop = 128;
    const int SIGTRAP = 5;

    public bool Exited => (Raw & 0x7f) == 0;
    public bool Signaled => (Raw & 0x7f) != 0 && (Raw & 0x7f) != 0x7f;
    public bool Stopped => (Raw & 0xff) == 0x7f;
    public bool Gone => Exited || Signaled;

    public int ExitCode => (Raw >> 8) & 0xff;
    public int TermSignal => Raw & 0x7f;
    public int StopSignal => (Raw >> 8) & 0xff;
    /// <summary>The PTRACE_EVENT_* number of an event stop, 0 for a signal-delivery-stop.</summary>
    public int Event => Stopped ? (Raw >> 16) & 0xff : 0;

    /// <summary>A signal-delivery-stop: the thread is about to receive <see cref="StopSignal"/>, which the tracer must pass on.</summary>
    public bool SignalDeliveryStop => Stopped && Event == 0;
    public bool InterruptOrGroupStop => Stopped && Event == EventStop;
    public bool CloneStop => Stopped && Event == EventClone && StopSignal == SIGTRAP;

    public override string ToString() =>
        Exited ? $"exited({ExitCode})" :
        Signaled ? $"killed by signal {TermSignal}" :
        Stopped ? (Event == 0 ? $"signal-delivery-stop({StopSignal})" : $"event-stop({Event}, signal {StopSignal})") :
        $"status 0x{Raw:x}";
}
