using System.Text.RegularExpressions;
using SideEye.Fleet.Agents;
using SideEye.Fleet.Programs;

namespace SideEye.Fleet.Files;

/// <summary>
/// The fleet file's <c>programs</c>: rules <c>{ "name": PROGRAM, "match": { PREDICATE: REGEX, … } }</c> in order, each
/// with at least one predicate. A <c>label:NAME</c> no agent carries is refused: it could never match, so it is a typo.
/// </summary>
static class ProgramsSection
{
    public static ProgramRules Read(FilePlace programs, IReadOnlyList<FleetAgent> agents) =>
        new([.. programs.Array().Select(rule => Rule(rule, agents))]);

    static ProgramRule Rule(FilePlace at, IReadOnlyList<FleetAgent> agents)
    {
        at.Object("name", "match");
        var program = at.Required("name", "the program's name").String();
        var match = at.Required("match", $"the predicates a process must match ({ProgramPredicate.Keys})");
        var members = match.Members();
        if (members.Count == 0) throw match.Error($"has no predicate ({ProgramPredicate.Keys}); a rule for every process is \"executable_name\": \"\"");
        return new ProgramRule(program, [.. members.Select(m => Predicate(match, m, agents))], at.Where);
    }

    static ProgramPredicate Predicate(FilePlace match, JsonMemberAt member, IReadOnlyList<FleetAgent> agents)
    {
        if (!ProgramPredicate.TryParseKey(member.Name, out var subject, out var name))
            throw match.MemberError(member, $"unknown predicate (predicates: {ProgramPredicate.Keys})");
        if (name is not null && !ProgramPredicate.IsName(name))
            throw match.MemberError(member, $"\"{name}\" is not a {(subject == PredicateSubject.Label ? "label" : "variable")} name (a letter or _, then letters, digits or _)");
        if (subject == PredicateSubject.Label && !agents.Any(a => a.Labels.ContainsKey(name!)))
            throw match.MemberError(member, $"no agent has the label \"{name}\"");
        var value = match.Member(member);
        var pattern = value.String(emptyAllowed: true);
        try { return new ProgramPredicate(subject, name, pattern); }
        catch (RegexParseException e)
        {
            throw value.ErrorAt(value.Value.Offset, $"\"{pattern}\" is not a regular expression: {Reason(e)}", e);
        }
    }

    /// <summary>
    /// .NET's message without its "Invalid pattern '…' at offset N." prefix: the pattern is quoted already, and N is
    /// where .NET gave up (often the end), not where the mistake is.
    /// </summary>
    static string Reason(RegexParseException e)
    {
        var prefix = $"at offset {e.Offset}.";
        var at = e.Message.IndexOf(prefix, StringComparison.Ordinal);
        return (at < 0 ? e.Message : e.Message[(at + prefix.Length)..]).Trim().TrimEnd('.');
    }
}
