using System.Text.RegularExpressions;

namespace SideEye.Fleet.Programs;

/// <summary>
/// One condition of a program rule: a .NET regular expression that must match somewhere in one fact of a process
/// (anchor it with ^ and $ to match the whole). A variable or label the process's agent lacks never matches.
/// </summary>
public sealed partial record ProgramPredicate
{
    /// <summary>How long one match may run: a pathological expression fails loudly instead of stalling a fleet snapshot.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    public PredicateSubject Subject { get; }
    /// <summary>The variable's or label's name for <see cref="PredicateSubject.EnvironmentVariable"/> and <see cref="PredicateSubject.Label"/>.</summary>
    public string? Name { get; }
    public Regex Pattern { get; }

    /// <param name="pattern">Thrown as <see cref="RegexParseException"/> when it is not a regular expression.</param>
    public ProgramPredicate(PredicateSubject subject, string? name, string pattern)
    {
        var named = subject is PredicateSubject.EnvironmentVariable or PredicateSubject.Label;
        if (named != (name is not null))
            throw new ArgumentException($"{subject} {(name is null ? "needs" : "takes no")} name", nameof(name));
        if (name is not null && !IsName(name)) throw new ArgumentException($"\"{name}\" is not a variable or label name", nameof(name));
        Subject = subject;
        Name = name;
        Pattern = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
    }

    /// <summary>The key that writes this predicate in a fleet file (<c>executable_name</c>, <c>env:ROLE</c>, …).</summary>
    public string Key => Subject switch
    {
        PredicateSubject.ExecutableName => "executable_name",
        PredicateSubject.ExecutablePath => "executable_path",
        PredicateSubject.CommandLine => "command_line",
        PredicateSubject.EnvironmentVariable => "env:" + Name,
        PredicateSubject.Hostname => "hostname",
        PredicateSubject.Environment => "environment",
        PredicateSubject.Label => "label:" + Name,
        PredicateSubject.Cgroup => "cgroup",
        _ => throw new InvalidOperationException($"no key for {Subject}"),
    };

    /// <summary>The keys a fleet file may use, as its errors list them.</summary>
    public const string Keys = "executable_name, executable_path, command_line, cgroup, env:NAME, hostname, environment, label:NAME";

    /// <summary>Reads a fleet file's key: false when it names no predicate; a prefixed key's NAME is checked by the caller (<see cref="IsName"/>).</summary>
    public static bool TryParseKey(string key, out PredicateSubject subject, out string? name)
    {
        name = null;
        subject = key switch
        {
            "executable_name" => PredicateSubject.ExecutableName,
            "executable_path" => PredicateSubject.ExecutablePath,
            "command_line" => PredicateSubject.CommandLine,
            "cgroup" => PredicateSubject.Cgroup,
            "hostname" => PredicateSubject.Hostname,
            "environment" => PredicateSubject.Environment,
            _ when key.StartsWith("env:", StringComparison.Ordinal) => PredicateSubject.EnvironmentVariable,
            _ when key.StartsWith("label:", StringComparison.Ordinal) => PredicateSubject.Label,
            _ => 0,
        };
        if (subject is PredicateSubject.EnvironmentVariable or PredicateSubject.Label) name = key[(key.IndexOf(':') + 1)..];
        return subject != 0;
    }

    /// <summary>A name an environment variable or a label may have: a letter or underscore, then letters, digits and underscores.</summary>
    public static bool IsName(string name) => NamePattern().IsMatch(name);

    /// <summary>
    /// Whether the process's fact matches. A match that outruns <see cref="MatchTimeout"/> throws
    /// <see cref="RegexMatchTimeoutException"/>; <see cref="ProgramRule.Matches"/> turns it into a one-line error.
    /// </summary>
    public bool Matches(ProcessFacts facts) => Value(facts) is { } value && Pattern.IsMatch(value);

    /// <summary>The fact this predicate looks at, or null when the process or its agent has none.</summary>
    public string? Value(ProcessFacts facts) => Subject switch
    {
        PredicateSubject.ExecutableName => facts.ExecutableName,
        PredicateSubject.ExecutablePath => facts.ExecutablePath,
        PredicateSubject.CommandLine => string.Join(' ', facts.CommandLine),
        PredicateSubject.EnvironmentVariable => facts.EnvironmentVariables.GetValueOrDefault(Name!),
        PredicateSubject.Hostname => facts.Hostname,
        PredicateSubject.Environment => facts.Environment,
        PredicateSubject.Label => facts.Labels.GetValueOrDefault(Name!),
        PredicateSubject.Cgroup => facts.Cgroup ?? "",
        _ => null,
    };

    public override string ToString() => $"{Key}: {Pattern}";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();
}
