using System.Collections.Concurrent;
using SideEye.Binary.DebugInfo;
using SideEye.GoRuntime;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// Executables opened once per build ID for every snapshotter that shares this, as a fleet's do: one parsed
/// <see cref="GoBinary"/> (its tables, DWARF index and resolved types) however many machines run the program, instead
/// of one per agent (at 64 agents of one program the client held 677 MiB, 206 MiB with one).
/// Opening is done once even when several agents ask at once; an executable that fails to open is not remembered.
/// </summary>
public sealed class OpenedBinaries
{
    readonly ConcurrentDictionary<string, Lazy<GoBinary>> _byBuildId = new(StringComparer.Ordinal);
    readonly Func<DebugInfoSources> _debugInfo;

    /// <param name="debugInfo">Where a stripped executable's debug file is looked for; the environment's places when null.</param>
    public OpenedBinaries(DebugInfoSources? debugInfo = null)
        : this(() => debugInfo ?? DebugInfoSources.FromEnvironment()) { }

    /// <param name="debugInfo">Asked each time an executable is opened: a notebook's setting may change.</param>
    public OpenedBinaries(Func<DebugInfoSources> debugInfo) => _debugInfo = debugInfo;

    /// <summary>Forgets every opened binary (the places to look for debug files changed): each is opened again when next needed.</summary>
    public void Clear() => _byBuildId.Clear();

    /// <summary>The binary with <paramref name="buildId"/> if it is open already.</summary>
    public GoBinary? Find(string buildId) =>
        _byBuildId.TryGetValue(buildId, out var opened) && opened.IsValueCreated ? opened.Value : null;

    /// <summary>The binary with <paramref name="buildId"/>, opened from <paramref name="path"/> unless it is open already.</summary>
    /// <param name="executablePath">Where the executable lives on its own machine (debuglink looks for its debug file there too).</param>
    public GoBinary Open(string buildId, string path, string? executablePath = null)
    {
        var opened = _byBuildId.GetOrAdd(buildId, _ => new Lazy<GoBinary>(() => GoBinary.Open(path, _debugInfo(), executablePath),
            LazyThreadSafetyMode.ExecutionAndPublication));
        try { return opened.Value; }
        catch
        {
            _byBuildId.TryRemove(new KeyValuePair<string, Lazy<GoBinary>>(buildId, opened));
            throw;
        }
    }

    /// <summary>Forgets the binary (it was not what its build ID said), so the next <see cref="Open"/> reads the file again.</summary>
    public void Forget(string buildId) => _byBuildId.TryRemove(buildId, out _);
}
