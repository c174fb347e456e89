using System.Text;
using System.Text.RegularExpressions;

namespace SideEye.Bpf;

/// <summary>
/// The verifier rejected a program. <see cref="Exception.Message"/> summarises the log in one line (the last meaningful
/// line, the instruction before it when there is one, and how many lines were left out); <see cref="Log"/> keeps every
/// line and <see cref="ToString"/> prints them all.
/// </summary>
public sealed partial class VerifierException : BpfException
{
    public string ProgramName { get; }
    public IReadOnlyList<string> Log { get; }
    /// <summary>True if the log filled the largest buffer we offer (16 MiB) and is cut short.</summary>
    public bool Truncated { get; }
    /// <summary>
    /// The slot of the last instruction the verifier printed before giving up (usually the one at fault), so a code
    /// generator can map it back to what produced it; null if the log names none.
    /// </summary>
    public int? InstructionIndex { get; }
    /// <summary>The verifier's statistics, when it got far enough to print them (a program refused as too complex has them).</summary>
    public VerifierStats? Stats { get; }

    public VerifierException(string programName, int errno, IReadOnlyList<string> log, bool truncated = false, Exception? inner = null)
        : base(Format(programName, errno, log, truncated), "BPF_PROG_LOAD", errno, inner)
    {
        ProgramName = programName;
        Log = log;
        Truncated = truncated;
        InstructionIndex = LastInstruction(log);
        Stats = VerifierStats.Parse(log);
    }

    static int? LastInstruction(IReadOnlyList<string> log)
    {
        for (var i = log.Count - 1; i >= 0; i--)
        {
            var m = InstructionLine().Match(log[i]);
            if (m.Success) return int.Parse(m.Groups[1].ValueSpan);
        }
        return null;
    }

    static string Format(string name, int errno, IReadOnlyList<string> log, bool truncated)
    {
        var summary = Summarize(log);
        var err = errno == 0 ? "" : $" ({Internal.Linux.Errno.Name(errno)})";
        return $"load program '{name}': verifier rejected it{err}: {summary}{(truncated ? " [log truncated]" : "")}";
    }

    /// <summary>One line: "[insn line: ]last line (N more lines)".</summary>
    public static string Summarize(IReadOnlyList<string> log)
    {
        var lines = log.Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        var total = lines.Count;
        while (lines.Count > 0 && IsStatistics(lines[^1])) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) return "empty verifier log";
        var shown = new List<string> { lines[^1] };
        if (lines.Count >= 2 && ExplainsNext(lines[^2])) shown.Insert(0, lines[^2]);
        var more = total - shown.Count;
        var sb = new StringBuilder(string.Join(": ", shown));
        if (more > 0) sb.Append($" ({more} more lines)");
        return sb.ToString();
    }

    /// <summary>The lines the verifier prints after it has decided: counts, timings and the register states it compared.</summary>
    static bool IsStatistics(string line) =>
        line.StartsWith("processed ", StringComparison.Ordinal) || line.StartsWith("cur state:", StringComparison.Ordinal) ||
        line.StartsWith("old state:", StringComparison.Ordinal) || line.StartsWith("verification time", StringComparison.Ordinal) ||
        line.StartsWith("stack depth", StringComparison.Ordinal) || line.StartsWith("-- END PROG LOAD LOG --", StringComparison.Ordinal);

    /// <summary>An instruction line ("5: (61) r1 = ...") or a line announcing what follows says where the error is.</summary>
    static bool ExplainsNext(string line) => InstructionLine().IsMatch(line) || line.EndsWith(':');

    [GeneratedRegex(@"^(\d+): \([0-9a-f]{2}\) ")]
    private static partial Regex InstructionLine();

    public override string ToString()
    {
        var sb = new StringBuilder(base.ToString());
        sb.Append("\nverifier log of '").Append(ProgramName).Append("':\n");
        foreach (var line in Log) sb.Append(line).Append('\n');
        return sb.ToString();
    }
}
