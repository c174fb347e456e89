using System.Collections.Concurrent;
using SideEye.GoRuntime;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// Executables opened once per build ID for every snapshotter that shares this, as a fleet's do: one parsed
/// <see cref="GoBinary"/> (its tables, DWARF index and resolved types) however many machines run the program, instead
/// of one per agent, which at 64 agents of one program held 0.7 GB and took most of a cold snapshot's minute.
/// Opening is done once even when several agents ask at once; an executable that fails to open is not remembered.
/// </summary>
public sealed class OpenedBinaries
{
    readonly ConcurrentDictionary<string, Lazy<GoBinary>> _byBuildId = new(StringComparer.Ordinal);

    /// <summary>The binary with <paramref name="buildId"/> if it is open already.</summary>
    public GoBinary? Find(string buildId) =>
        _byBuildId.TryGetValue(buildId, out var opened) && opened.IsValueCreated ? opened.Value : null;

    /// <summary>The binary with <paramref name="buildId"/>, opened from <paramref name="path"/> unless it is open already.</summary>
    public GoBinary Open(string buildId, string path)
    {
        var opened = _byBuildId.GetOrAdd(buildId, _ => new Lazy<GoBinary>(() => GoBinary.Open(path), LazyThreadSafetyMode.ExecutionAndPublication));
        try { return opened.Value; }
        catch
        {
            _byBuildId.TryRemove(new KeyValuePair<string, Lazy<GoBinary>>(buildId, opened));
            throw;
        }
    }

    /// <summary>Forgets the binary (it was not what its build ID said), so the next <see cref="Open"/> reads the file again.</summary>
    public void Forget(string buildId) => _byBuildId.TryRemove(buildId, out _);

    public int Count => _byBuildId.Count;
}
