
namespace SideEye.Snapshots.Store;

/// <summary>
/// Snapshot stores are secrets: they hold other processes' memory (tokens and user data in captured values),
/// written by root from processes of any user. A store and the files DuckDB makes beside it (its write-ahead log)
/// are created readable by their owner only, or by the group named in SIDEEYE_GROUP as well (0640). DuckDB
/// creates those files itself, so the writes run under a private umask (<see cref="Private"/>). Opening an
/// existing store that others can read warns, once per store and process.
/// </summary>
static class StoreFileAccess
{
    static readonly object Gate = new();
    static readonly HashSet<string> Warned = new(StringComparer.Ordinal);
    static int _depth;
    static uint _saved;

    /// <summary>The group stores are shared with (SIDEEYE_GROUP), or null.</summary>
    static (string Name, uint Id)? Group()
    {
        if (Environment.GetEnvironmentVariable("SIDEEYE_GROUP") is not { Length: > 0 } name) return null;
        return UnixFiles.GroupId(name) is { } gid ? (name, gid) : throw new SideEyeException($"SIDEEYE_GROUP={name}: no such group in /etc/group");
    }

    /// <summary>
    /// While it is held, files this process creates are readable by their owner (and SIDEEYE_GROUP) only. The
    /// umask is the process's, so other threads' new files are private meanwhile too: stricter, never looser.
    /// </summary>
    public static IDisposable Private()
    {
        // umask 077 (owner only) or 027 (group may read)
        var mask = Group() is null ? 0b000_111_111u : 0b000_010_111u;
        lock (Gate)
        {
            if (_depth++ == 0) _saved = UnixFiles.SetUmask(mask);
        }
        return new Scope();
    }

    sealed class Scope : IDisposable
    {
        int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            lock (Gate)
                if (--_depth == 0) UnixFiles.SetUmask(_saved);
        }
    }

    /// <summary>
    /// After a store file is written: gives it (and its write-ahead log) to SIDEEYE_GROUP if set. Returns a warning
    /// the first time this process opens a store that other users can read, else null.
    /// </summary>
    public static string? Settle(string path, bool created)
    {
        if (path == ":memory:" || !File.Exists(path)) return null;
        var group = Group();
        if (created && group is { } g)
            foreach (var file in new[] { path, path + ".wal" }.Where(File.Exists))
                _ = UnixFiles.ChangeGroup(file, g.Id);
        var mode = File.GetUnixFileMode(path);
        var others = UnixFileMode.OtherRead | (group is null ? UnixFileMode.GroupRead : 0);
        if ((mode & others) == 0) return null;
        lock (Gate)
            if (!Warned.Add(Path.GetFullPath(path))) return null;
        return $"{path} is readable by other users (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}), and snapshots hold other processes' memory: " +
               $"chmod 600 {path}{(group is null ? "" : $", or 640 for group {group.Value.Name}")}";
    }


}
