namespace SideEye.Fleet.Programs;

/// <summary>
/// A fleet's program rules in file order: a process is given the program of the first rule it matches, else its
/// executable's name. Also says which environment variables the rules read, so a client asks agents for those
/// alone, and gives each process its full label set.
/// </summary>
public sealed class ProgramRules
{
    public static ProgramRules None { get; } = new([]);

    public ProgramRules(IReadOnlyList<ProgramRule> rules)
    {
        Rules = rules;
        EnvironmentVariables = rules.SelectMany(r => r.Predicates)
            .Where(p => p.Subject == PredicateSubject.EnvironmentVariable).Select(p => p.Name!)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyList<ProgramRule> Rules { get; }

    /// <summary>The environment variables some rule reads (sorted, each once): all an agent needs to send of a process's environment.</summary>
    public IReadOnlyList<string> EnvironmentVariables { get; }

    /// <summary>The first rule the process matches, or null.</summary>
    public ProgramRule? RuleFor(ProcessFacts facts) => Rules.FirstOrDefault(r => r.Matches(facts));

    /// <summary>The process's program: its first matching rule's, else its executable's name.</summary>
    public string ProgramOf(ProcessFacts facts) => RuleFor(facts)?.Program ?? facts.ExecutableName;

    /// <summary>
    /// Every label of the process: its agent's static labels, then <c>program</c>, <c>environment</c> (when the agent
    /// has one), <c>host</c> (the agent's name) and <c>hostname</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> LabelsOf(ProcessFacts facts)
    {
        var labels = new Dictionary<string, string>(facts.Labels, StringComparer.Ordinal)
        {
            [BuiltInLabels.Program] = ProgramOf(facts),
        };
        if (facts.Environment is { } environment) labels[BuiltInLabels.Environment] = environment;
        labels[BuiltInLabels.Host] = facts.Host;
        labels[BuiltInLabels.Hostname] = facts.Hostname;
        return labels;
    }
}
