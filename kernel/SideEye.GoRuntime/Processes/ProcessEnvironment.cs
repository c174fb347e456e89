using System.Text;

namespace SideEye.GoRuntime.Processes;

/// <summary>
/// Named variables of a process's environment, read from /proc/PID/environ (the environment it started with; a
/// Go program's later os.Setenv is not there). Only the names asked for are returned, never the rest: an
/// environment holds secrets. The file is read up to <see cref="MaxBytes"/>; a variable beyond that is missing.
/// </summary>
public static class ProcessEnvironment
{
    /// <summary>The most names one request may ask for.</summary>
    public const int MaxNames = 64;
    /// <summary>The longest name.</summary>
    public const int MaxNameLength = 256;
    /// <summary>How much of /proc/PID/environ is read.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Null when <paramref name="names"/> may be asked for; else why not, in one line.</summary>
    public static string? Problem(IReadOnlyCollection<string> names)
    {
        if (names.Count > MaxNames) return $"at most {MaxNames} environment variables may be asked for, not {names.Count}";
        foreach (var name in names)
        {
            if (name.Length == 0) return "an environment variable's name is empty";
            if (name.Length > MaxNameLength) return $"an environment variable's name is longer than {MaxNameLength} characters";
            if (name.Contains('=') || name.Contains('\0')) return $"'{name.Replace("\0", "\\0", StringComparison.Ordinal)}' is not an environment variable's name (it holds '=' or NUL)";
        }
        return null;
    }

    /// <summary>
    /// Those of <paramref name="names"/> that process <paramref name="pid"/> has, with their values; empty when it
    /// has none of them or its environment cannot be read (gone, or not ours to read).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read(int pid, IReadOnlyCollection<string> names)
    {
        if (Problem(names) is { } problem) throw new ArgumentException(problem, nameof(names));
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (names.Count == 0) return found;
        byte[] bytes;
        try { bytes = ReadBounded($"/proc/{pid}/environ"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return found; }
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        foreach (var entry in Split(bytes))
        {
            var equals = entry.IndexOf((byte)'=');
            if (equals <= 0) continue;
            var name = Encoding.UTF8.GetString(entry[..equals]);
            // The first definition wins, as getenv(3) and Go's os.Getenv see it.
            if (wanted.Contains(name) && !found.ContainsKey(name)) found[name] = Encoding.UTF8.GetString(entry[(equals + 1)..]);
        }
        return found;
    }

    static IEnumerable<byte[]> Split(byte[] bytes)
    {
        var start = 0;
        for (var i = 0; i <= bytes.Length; i++)
        {
            if (i < bytes.Length && bytes[i] != 0) continue;
            if (i > start) yield return bytes[start..i];
            start = i + 1;
        }
    }

    static byte[] ReadBounded(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        using var read = new MemoryStream();
        var chunk = new byte[16 << 10];
        int n;
        while (read.Length < MaxBytes && (n = file.Read(chunk, 0, (int)Math.Min(chunk.Length, MaxBytes - read.Length))) > 0) read.Write(chunk, 0, n);
        return read.ToArray();
    }
}
