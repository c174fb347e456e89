namespace SideEye.Binary.DebugInfo;

/// <summary>
/// Where a stripped executable's separate debug file is looked for, the way gdb and Delve look: directories holding
/// <c>.build-id/xx/rest.debug</c> files and debuglink targets (the user's first, then /usr/lib/debug), and debuginfod
/// servers asked by GNU build ID, whose answers are kept in a local cache.
/// </summary>
public sealed record DebugInfoSources
{
    /// <summary>The system's debug directory, where distributions install -dbgsym packages.</summary>
    public const string SystemDirectory = "/usr/lib/debug";

    /// <summary>Directories searched by build ID and for debuglink targets, in order.</summary>
    public IReadOnlyList<string> Directories { get; init; } = [SystemDirectory];

    /// <summary>debuginfod servers (base URLs), asked in order; none by default.</summary>
    public IReadOnlyList<Uri> Servers { get; init; } = [];

    /// <summary>Where debug files fetched from a server are kept, by build ID (shared with elfutils' client).</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>How long one server may take to answer and send the file.</summary>
    public TimeSpan ServerTimeout { get; init; } = DefaultServerTimeout;

    /// <summary>elfutils' own default for DEBUGINFOD_TIMEOUT.</summary>
    static readonly TimeSpan DefaultServerTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Nowhere: only the executable's own DWARF counts.</summary>
    public static DebugInfoSources None { get; } = new() { Directories = [] };

    /// <summary>
    /// From the environment: SIDEEYE_DEBUG_DIRS (colon-separated, searched before /usr/lib/debug), DEBUGINFOD_URLS
    /// (space-separated), DEBUGINFOD_CACHE_PATH and DEBUGINFOD_TIMEOUT (seconds), as elfutils reads them, and
    /// <paramref name="directories"/> (a command's --debug-dir) first of all.
    /// </summary>
    public static DebugInfoSources FromEnvironment(IEnumerable<string>? directories = null)
    {
        var dirs = new List<string>();
        foreach (var d in (directories ?? []).Concat((Environment.GetEnvironmentVariable("SIDEEYE_DEBUG_DIRS") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)))
            if (!dirs.Contains(d, StringComparer.Ordinal)) dirs.Add(d);
        if (!dirs.Contains(SystemDirectory, StringComparer.Ordinal)) dirs.Add(SystemDirectory);
        var servers = new List<Uri>();
        foreach (var url in (Environment.GetEnvironmentVariable("DEBUGINFOD_URLS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new SideEyeException($"DEBUGINFOD_URLS: '{url}' is not an http or https URL");
            servers.Add(uri);
        }
        var timeout = Environment.GetEnvironmentVariable("DEBUGINFOD_TIMEOUT") is { Length: > 0 } t
            ? int.TryParse(t, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : throw new SideEyeException($"DEBUGINFOD_TIMEOUT: '{t}' is not a number of seconds")
            : DefaultServerTimeout;
        return new DebugInfoSources { Directories = dirs, Servers = servers, ServerTimeout = timeout };
    }

    static string DefaultCacheDirectory()
    {
        if (Environment.GetEnvironmentVariable("DEBUGINFOD_CACHE_PATH") is { Length: > 0 } path) return path;
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "debuginfod_client");
    }
}
