using System.Text.RegularExpressions;

namespace SideEye.Agent.Security;

/// <summary>
/// Which executables the agent lets clients snapshot (and read): <c>--allow PATTERN</c>, where a pattern with a '/'
/// matches the whole path and one without matches the file name, '*' and '?' as in a shell. No pattern: every Go
/// process. A binary replaced on disk ("PATH (deleted)" in /proc) is judged by the path it was started from.
/// </summary>
public sealed class ExecutablePolicy
{
    readonly (string Pattern, Regex Regex, bool WholePath)[] _rules;

    public ExecutablePolicy(IReadOnlyList<string> patterns)
    {
        _rules = patterns.Select(p =>
        {
            if (string.IsNullOrWhiteSpace(p)) throw new Hosting.AgentStartupException("--allow: an empty pattern would allow nothing; leave it out to allow every Go process");
            var regex = "^" + Regex.Escape(p).Replace(@"\*", "[^/]*", StringComparison.Ordinal).Replace(@"\?", "[^/]", StringComparison.Ordinal) + "$";
            return (p, new Regex(regex, RegexOptions.CultureInvariant), p.Contains('/', StringComparison.Ordinal));
        }).ToArray();
    }

    public IReadOnlyList<string> Patterns => _rules.Select(r => r.Pattern).ToArray();

    /// <summary>Null when the policy allows the executable, else why not (one line).</summary>
    public string? Refusal(string executablePath)
    {
        if (_rules.Length == 0) return null;
        const string deleted = " (deleted)";
        var path = executablePath.EndsWith(deleted, StringComparison.Ordinal) ? executablePath[..^deleted.Length] : executablePath;
        var name = Path.GetFileName(path);
        foreach (var (_, regex, wholePath) in _rules)
            if (regex.IsMatch(wholePath ? path : name)) return null;
        return $"the agent's policy does not allow snapshots of {path} (--allow {string.Join(", ", _rules.Select(r => r.Pattern))})";
    }
}
