namespace SideEye.Agent.Audit;

/// <summary>
/// One request as the audit log records it: when, who (certificate subject and thumbprint, or Unix peer, and the
/// address it came from), what (the call, the process, its executable and build ID, the SHA-256 of the program
/// it ran, the environment variables it asked for by name), the pause it cost, and how it ended ("ok", "refused", "failed", "cancelled") with the reason.
/// </summary>
public sealed record AuditEntry(string Call, string Outcome)
{
    public DateTimeOffset Time { get; init; } = DateTimeOffset.UtcNow;
    public string? Caller { get; init; }
    public string? Thumbprint { get; init; }
    public string? From { get; init; }
    public int? Pid { get; init; }
    public string? Executable { get; init; }
    public string? BuildId { get; init; }
    public string? ProgramSha256 { get; init; }
    public double? PauseMs { get; init; }
    /// <summary>A Snapshot call at an instant: how far ahead of it the call arrived (negative: after it).</summary>
    public double? AheadMs { get; init; }
    /// <summary>A Snapshot call at an instant: how long after it every thread of the process was stopped.</summary>
    public double? StopLateMs { get; init; }
    public string? Reason { get; init; }
    /// <summary>The environment variables a listing asked for, by name (their values are never recorded).</summary>
    public IReadOnlyList<string>? EnvironmentVariables { get; init; }
}
