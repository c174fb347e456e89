namespace SideEye.Testing.Fuzzing;

/// <summary>How a command took one damaged binary. Only the first two are acceptable.</summary>
public enum FuzzOutcome
{
    /// <summary>Read and reported (the damage was somewhere nothing reads, or harmless).</summary>
    Accepted = 0,
    /// <summary>Refused with exit code 1 and one line on stderr naming the file: the damage was noticed.</summary>
    Rejected = 1,
    /// <summary>An exception other than a SideEyeException escaped, or the refusal was not one line naming the file.</summary>
    Defect = 2,
    /// <summary>The process died (abort, stack overflow, killed for memory).</summary>
    Crash = 3,
    /// <summary>No answer within the hard limit; the worker was killed.</summary>
    Timeout = 4,
}
