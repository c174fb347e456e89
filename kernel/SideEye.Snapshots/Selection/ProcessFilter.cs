using System.Globalization;

namespace SideEye.Snapshots.Selection;

/// <summary>
/// Which processes of a stored snapshot a reader looks at: one process by host and pid (pid alone: that pid on any
/// host), and <see cref="Where"/>, selectors that must all hold. The default takes every process.
/// </summary>
public sealed record ProcessFilter(string? Host = null, int? Pid = null, IReadOnlyList<Selector>? Where = null)
{
    public static ProcessFilter All { get; } = new();

    /// <summary>From command-line options: --host, --pid and repeated --where.</summary>
    /// <exception cref="SelectorException">A --where that cannot be read.</exception>
    public static ProcessFilter Of(string? host = null, int? pid = null, IEnumerable<string>? where = null) =>
        new(string.IsNullOrEmpty(host) ? null : host, pid, Selector.ParseAll(where));

    public bool IsAll => Host is null && Pid is null && (Where is null || Where.Count == 0);

    /// <summary>The condition as SQL over the processes table aliased <paramref name="alias"/>; "true" for all.</summary>
    public string ToSql(string alias = "p")
    {
        ArgumentException.ThrowIfNullOrEmpty(alias);
        var parts = new List<string>();
        if (Host is { } host) parts.Add($"{alias}.host = '{host.Replace("'", "''", StringComparison.Ordinal)}'");
        if (Pid is { } pid) parts.Add($"{alias}.pid = {pid.ToString(CultureInfo.InvariantCulture)}");
        if (Where is { Count: > 0 } where) parts.Add(Selector.ToSql(where, alias));
        return parts.Count == 0 ? "true" : string.Join(" AND ", parts);
    }

    /// <summary>For messages: "process 7 on web-1 where program=api", "" for all.</summary>
    public override string ToString()
    {
        var process = (Host, Pid) switch
        {
            (null, null) => "",
            (null, { } pid) => $"process {pid}",
            ({ } host, null) => $"host {host}",
            ({ } host, { } pid) => $"process {pid} on {host}",
        };
        var where = Where is { Count: > 0 } w ? "where " + string.Join(' ', w) : "";
        return string.Join(' ', new[] { process, where }.Where(s => s.Length > 0));
    }
}
