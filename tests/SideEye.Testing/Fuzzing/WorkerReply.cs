namespace SideEye.Testing.Fuzzing;

/// <summary>
/// What a fuzz worker says about one file, as one JSON line: the command's exit code and standard error, the exception
/// that escaped it (type, message and stack) if any, the wall time and the peak resident memory while it ran.
/// </summary>
public sealed record WorkerReply(int ExitCode, string Stderr, string? Exception, double Milliseconds, long PeakRssBytes);
