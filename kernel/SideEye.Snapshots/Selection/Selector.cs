using System.Globalization;
using System.Text.RegularExpressions;
using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Selection;

/// <summary>
/// One condition on a process's labels, as <c>--where</c> takes it: <c>program=api</c>, <c>environment!=prod</c>,
/// <c>host~^web-</c>, <c>zone!~east</c>. Keys are the process's own labels (<see cref="Keys"/>: host, hostname, pid,
/// program, environment, exe, go_version, cgroup), else a label the fleet file gave it. A missing label equals no value and
/// matches no regex, so <c>!=</c> and <c>!~</c> hold for it. The same rule runs in memory (choosing live processes)
/// and as SQL over the store's processes table, with the same answer.
/// </summary>
public sealed class Selector
{
    /// <summary>The keys that name a processes column rather than a label of the labels JSON.</summary>
    public static readonly IReadOnlyList<string> Keys = ["host", "hostname", "pid", "program", "environment", "exe", "go_version", "cgroup"];

    // Label names as Kubernetes and Prometheus write them (app.kubernetes.io/name): also what a JSON path can quote as is.
    static readonly Regex KeyPattern = new("^[A-Za-z_][A-Za-z0-9_.\\-/]*$", RegexOptions.CultureInvariant);

    readonly Regex? _regex;

    Selector(string key, SelectorOperator op, string value, Regex? regex)
    {
        Key = key;
        Operator = op;
        Value = value;
        _regex = regex;
    }

    public string Key { get; }
    public SelectorOperator Operator { get; }

    /// <summary>The value compared with, or the regular expression.</summary>
    public string Value { get; }

    /// <summary>Reads <c>KEY=VALUE</c>, <c>KEY!=VALUE</c>, <c>KEY~REGEX</c> or <c>KEY!~REGEX</c>; the value is the rest of the text, as is.</summary>
    /// <exception cref="SelectorException">No operator, a bad key, or a regex that does not compile.</exception>
    public static Selector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.IndexOfAny(['=', '!', '~']);
        if (at < 0) throw new SelectorException(text, "no operator");
        var key = text[..at];
        var (op, length) = text.AsSpan(at) switch
        {
            ['!', '=', ..] => (SelectorOperator.NotEqual, 2),
            ['!', '~', ..] => (SelectorOperator.NotMatch, 2),
            ['=', ..] => (SelectorOperator.Equal, 1),
            ['~', ..] => (SelectorOperator.Match, 1),
            _ => throw new SelectorException(text, $"'{text[at]}' is not an operator"),
        };
        if (key.Length == 0) throw new SelectorException(text, "no key before the operator");
        if (!KeyPattern.IsMatch(key)) throw new SelectorException(text, $"'{key}' is not a label name (letters, digits, _ . - /, not starting with a digit)");
        var value = text[(at + length)..];
        // Prometheus writes a regex match =~; here it would silently compare with "~…".
        if (op == SelectorOperator.Equal && value.StartsWith('~')) throw new SelectorException(text, $"a regex match is written {key}~REGEX");
        Regex? regex = null;
        if (op is SelectorOperator.Match or SelectorOperator.NotMatch)
        {
            // NonBacktracking accepts about what DuckDB's RE2 does (no backreferences, no lookaround), so a regex
            // that passes here also runs in SQL.
            try { regex = new Regex(value, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                throw new SelectorException(text, "bad regex: " + e.Message, e);
            }
        }
        return new Selector(key, op, value, regex);
    }

    /// <summary>Every selector of a repeated option, in order.</summary>
    public static IReadOnlyList<Selector> ParseAll(IEnumerable<string>? texts) => texts?.Select(Parse).ToArray() ?? [];

    /// <param name="label">A label's value by key, null when the process has no such label.</param>
    public bool Matches(Func<string, string?> label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var value = label(Key);
        return Operator switch
        {
            SelectorOperator.Equal => value is not null && string.Equals(value, Value, StringComparison.Ordinal),
            SelectorOperator.NotEqual => value is null || !string.Equals(value, Value, StringComparison.Ordinal),
            SelectorOperator.Match => value is not null && _regex!.IsMatch(value),
            _ => value is null || !_regex!.IsMatch(value),
        };
    }

    /// <summary>Over a plain set of labels (keys as <see cref="Key"/> names them).</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Matches(key => labels.GetValueOrDefault(key));
    }

    /// <summary>Over a process of a snapshot, its labels read as the store writes them.</summary>
    public bool Matches(ProcessSnapshot process) => Matches(key => Label(process, key));

    /// <summary>All of them hold (none: true).</summary>
    public static bool All(IEnumerable<Selector> selectors, Func<string, string?> label) => selectors.All(s => s.Matches(label));

    /// <summary>
    /// A process's label as the processes table holds it: host is the fleet's name (else the hostname), program the
    /// rules' name (else the executable's file name), pid in decimal; other keys come from its labels.
    /// </summary>
    public static string? Label(ProcessSnapshot process, string key)
    {
        ArgumentNullException.ThrowIfNull(process);
        return key switch
        {
            "host" => process.Host ?? process.Hostname,
            "hostname" => process.Hostname,
            "pid" => process.Pid.ToString(CultureInfo.InvariantCulture),
            "program" => process.Program ?? (process.Exe.Length > 0 ? Probes.Specs.ProgramCaptures.ProgramName(process.Exe) : null),
            "environment" => process.Environment,
            "exe" => process.Exe,
            "go_version" => process.GoVersion,
            "cgroup" => process.Cgroup,
            _ => process.Labels?.GetValueOrDefault(key),
        };
    }

    /// <summary>The condition as SQL over the processes table aliased <paramref name="alias"/>: true or false, never NULL.</summary>
    public string ToSql(string alias = "p")
    {
        ArgumentException.ThrowIfNullOrEmpty(alias);
        var column = Key switch
        {
            "pid" => $"CAST({alias}.pid AS VARCHAR)",
            _ when Keys.Contains(Key) => $"{alias}.{Key}",
            // The key's characters need no escaping inside a quoted JSONPath member (see KeyPattern).
            _ => $"json_extract_string({alias}.labels, {Literal("$.\"" + Key + "\"")})",
        };
        var value = Literal(Value);
        return Operator switch
        {
            SelectorOperator.Equal => $"coalesce({column} = {value}, false)",
            SelectorOperator.NotEqual => $"coalesce({column} <> {value}, true)",
            SelectorOperator.Match => $"coalesce(regexp_matches({column}, {value}), false)",
            _ => $"NOT coalesce(regexp_matches({column}, {value}), false)",
        };
    }

    /// <summary>All of them as one SQL condition ("true" for none).</summary>
    public static string ToSql(IEnumerable<Selector> selectors, string alias = "p")
    {
        var parts = selectors.Select(s => s.ToSql(alias)).ToArray();
        return parts.Length == 0 ? "true" : string.Join(" AND ", parts);
    }

    static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>As written: <c>program=api</c>.</summary>
    public override string ToString() => Key + Operator switch
    {
        SelectorOperator.Equal => "=",
        SelectorOperator.NotEqual => "!=",
        SelectorOperator.Match => "~",
        _ => "!~",
    } + Value;
}
