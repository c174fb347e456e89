using System.Globalization;
using System.Text.RegularExpressions;

namespace SideEye.Bpf;

/// <summary>
/// What the verifier says it spent on a program (BPF_LOG_STATS): instructions processed against its limit, the
/// states it kept, the time it took and each function's stack depth. The processed count is the figure that must
/// stay far from the limit: it depends on how the kernel prunes states, which changes between releases.
/// </summary>
public sealed partial record VerifierStats(
    long ProcessedInstructions,
    long InstructionLimit,
    int MaxStatesPerInstruction,
    long TotalStates,
    long PeakStates,
    TimeSpan? VerificationTime,
    IReadOnlyList<int> StackDepths)
{
    /// <summary>The kernel's limit since 5.2 (BPF_COMPLEXITY_LIMIT_INSNS), when the log does not say.</summary>
    public const long DefaultLimit = 1_000_000;

    /// <summary>Processed instructions as a fraction of the limit.</summary>
    public double LimitShare => InstructionLimit > 0 ? (double)ProcessedInstructions / InstructionLimit : 0;

    /// <summary>The statistics in a verifier log, or null when it has none (a log taken without BPF_LOG_STATS on an old kernel).</summary>
    public static VerifierStats? Parse(IEnumerable<string> log)
    {
        VerifierStats? stats = null;
        TimeSpan? time = null;
        IReadOnlyList<int> depths = [];
        foreach (var line in log)
        {
            if (Processed().Match(line) is { Success: true } p)
                stats = new VerifierStats(
                    Long(p.Groups["n"]), p.Groups["limit"].Success ? Long(p.Groups["limit"]) : DefaultLimit,
                    p.Groups["per"].Success ? (int)Long(p.Groups["per"]) : 0,
                    p.Groups["total"].Success ? Long(p.Groups["total"]) : 0,
                    p.Groups["peak"].Success ? Long(p.Groups["peak"]) : 0, null, []);
            else if (Time().Match(line) is { Success: true } t)
                time = TimeSpan.FromTicks(Long(t.Groups["us"]) * 10);
            else if (line.StartsWith("stack depth ", StringComparison.Ordinal))
                depths = line["stack depth ".Length..].Split('+', StringSplitOptions.RemoveEmptyEntries)
                    .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0).ToArray();
        }
        return stats is null ? null : stats with { VerificationTime = time, StackDepths = depths };
    }

    static long Long(Group g) => long.Parse(g.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);

    public override string ToString()
    {
        var time = VerificationTime is { } t ? $", verified in {t.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"processed {ProcessedInstructions} insns ({LimitShare * 100:0.##}% of the limit {InstructionLimit}), max {MaxStatesPerInstruction} states/insn, {TotalStates} states (peak {PeakStates}){time}");
    }

    [GeneratedRegex(@"^processed (?<n>\d+) insns(?: \(limit (?<limit>\d+)\))?(?: max_states_per_insn (?<per>\d+))?(?: total_states (?<total>\d+))?(?: peak_states (?<peak>\d+))?")]
    private static partial Regex Processed();

    [GeneratedRegex(@"^verification time (?<us>\d+) usec")]
    private static partial Regex Time();
}
