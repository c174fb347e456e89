using System.Text.RegularExpressions;

namespace SideEye.Fleet.Programs;

/// <summary>
/// A program name and the predicates a process must all match to be given it. <see cref="Place"/> says where the
/// rule is written (<c>FILE:LINE:COLUMN</c>), so an error at match time leads back to the file.
/// </summary>
public sealed record ProgramRule
{
    public ProgramRule(string program, IReadOnlyList<ProgramPredicate> predicates, string? place = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(program);
        if (predicates.Count == 0) throw new ArgumentException($"the rule for {program} has no predicate", nameof(predicates));
        Program = program;
        Predicates = predicates;
        Place = place;
    }

    public string Program { get; }
    public IReadOnlyList<ProgramPredicate> Predicates { get; }
    public string? Place { get; }

    /// <summary>Whether every predicate matches the process.</summary>
    public bool Matches(ProcessFacts facts)
    {
        foreach (var predicate in Predicates)
        {
            bool matched;
            try { matched = predicate.Matches(facts); }
            catch (RegexMatchTimeoutException e)
            {
                throw new SideEyeException($"{(Place is null ? "" : Place + ": ")}the rule for program {Program}: {predicate.Key} \"{predicate.Pattern}\" " +
                    $"took over {ProgramPredicate.MatchTimeout.TotalMilliseconds:0} ms on \"{Shorten(e.Input)}\"; simplify the expression", e);
            }
            if (!matched) return false;
        }
        return true;
    }

    static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    public override string ToString() => $"{Program} <- {string.Join(", ", Predicates)}";
}
