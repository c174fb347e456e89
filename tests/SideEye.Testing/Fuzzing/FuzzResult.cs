namespace SideEye.Testing.Fuzzing;

/// <summary>
/// One mutation's outcome, with the wall time and peak resident memory of reading it. It names the mutation rather than
/// holding its bytes: a campaign keeps thousands of results.
/// </summary>
public sealed record FuzzResult(string MutationId, MutationKind Kind, string File, FuzzOutcome Outcome, TimeSpan Elapsed, long PeakRssBytes, string Detail)
{
    /// <summary>Judges a worker's reply: success, or exit code 1 with one line that names the file; anything else is a defect.</summary>
    public static FuzzResult From(Mutation mutation, string file, WorkerReply reply)
    {
        var elapsed = TimeSpan.FromMilliseconds(reply.Milliseconds);
        var lines = reply.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var outcome = reply switch
        {
            { Exception: not null } => FuzzOutcome.Defect,
            { ExitCode: 0 } => FuzzOutcome.Accepted,
            { ExitCode: 1 } when lines.Length == 1 && lines[0].Contains(file, StringComparison.Ordinal) => FuzzOutcome.Rejected,
            _ => FuzzOutcome.Defect,
        };
        var detail = reply.Exception ?? (outcome == FuzzOutcome.Accepted ? "" : reply.ExitCode == 1 ? reply.Stderr.TrimEnd() : $"exit {reply.ExitCode}: {reply.Stderr.TrimEnd()}");
        return new FuzzResult(mutation.Id, mutation.Kind, file, outcome, elapsed, reply.PeakRssBytes, detail);
    }

    /// <summary>The mutation, its outcome and figures, and the file (kept when the outcome was not acceptable).</summary>
    public override string ToString() => $"{MutationId}: {Outcome} in {Elapsed.TotalMilliseconds:F0} ms, peak {PeakRssBytes >> 20} MiB: {Detail} [{File}]";
}
