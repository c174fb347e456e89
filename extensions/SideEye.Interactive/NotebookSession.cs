using SideEye.Binary.DebugInfo;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Fleets;

namespace SideEye.Interactive;

/// <summary>
/// What the magic commands of one kernel share: the DuckDB file they use when --db is not given (#!sideeye open
/// changes it), the capture spec and the file it is kept in, and one snapshotter for the kernel's life, so a
/// second snapshot of a process reuses its probe; and the agents or the fleet it connected to.
/// </summary>
sealed class NotebookSession : IDisposable
{
    readonly string _directory;

    /// <param name="directory">Where relative paths point: the notebook's working directory, its own folder in Jupyter and VS Code.</param>
    public NotebookSession(string directory)
    {
        _directory = directory;
        Binaries = new OpenedBinaries(() => DebugInfo);
        Agents = new Agents(Binaries);
        SpecPath = Path.GetFullPath(DefaultSpecFile, directory);
    }

    public const string DefaultDatabase = "sideeye.duckdb";

    /// <summary>Where the spec lives unless #!sideeye spec load/save says otherwise: next to the notebook (its working directory).</summary>
    public const string DefaultSpecFile = "sideeye-spec.json";

    CaptureSpec? _spec;

    public string? Database { get; set; }

    readonly List<string> _debugDirectories = [];

    /// <summary>Snapshots on this machine (the kernel must then run as root).</summary>
    public LocalSnapshotter Snapshotter { get; } = new();

    /// <summary>Executables fetched from agents, opened once for the session (and every agent running them).</summary>
    public OpenedBinaries Binaries { get; }

    /// <summary>Snapshots through agents: the one connect made current, and those named by --agent.</summary>
    public Agents Agents { get; }

    /// <summary>Where stripped executables' debug files are looked for: #!sideeye debug-dir's folders, then the environment's places.</summary>
    public DebugInfoSources DebugInfo => DebugInfoSources.FromEnvironment(_debugDirectories);

    /// <summary>Looks for debug files in <paramref name="path"/> too, first, from now on (executables opened already are opened again).</summary>
    public DebugInfoSources AddDebugDirectory(string path)
    {
        var full = FullPath(path);
        if (!Directory.Exists(full)) throw new SideEyeException($"debug-dir {full}: no such folder");
        if (!_debugDirectories.Contains(full, StringComparer.Ordinal)) _debugDirectories.Insert(0, full);
        var sources = DebugInfo;
        Snapshotter.DebugInfo = sources;
        Binaries.Clear();
        return sources;
    }

    /// <summary>The fleet #!sideeye fleet chose: targets and snapshot work on all of it (with --where) until disconnect.</summary>
    public FleetSnapshotter? Fleet { get; private set; }

    /// <summary>Works on <paramref name="fleet"/> from now on; the fleet chosen before is closed.</summary>
    public void UseFleet(FleetSnapshotter? fleet)
    {
        Fleet?.Dispose();
        Fleet = fleet;
    }

    /// <summary>Where a subcommand works: the agent at <paramref name="agent"/>, else the connected agent, else this machine.</summary>
    public ISnapshotter Machine(string? agent, int maxFrames = SnapshotOptions.DefaultMaxFrames) =>
        (ISnapshotter?)Agents.For(agent, maxFrames) ?? Snapshotter;

    /// <summary>The file the spec is read from and every edit is saved to, so a re-run notebook or its team gets it back.</summary>
    public string SpecPath { get; private set; }

    /// <summary>
    /// The capture spec: the spec file's, or empty when there is none yet. Read again whenever the file changed since
    /// (a hand edit, a teammate's version pulled), so the next cell sees it; a file that went away leaves the last one.
    /// </summary>
    public CaptureSpec Spec
    {
        get
        {
            var written = File.Exists(SpecPath) ? File.GetLastWriteTimeUtc(SpecPath) : (DateTime?)null;
            if (_spec is null || written is { } w && w != _specWritten)
            {
                _spec = written is null ? CaptureSpec.Empty : CaptureSpecFile.Load(SpecPath);
                _specWritten = written;
            }
            return _spec;
        }
    }

    DateTime? _specWritten;

    /// <summary>The full path of the file to use: the one given, else the opened one, else the default.</summary>
    public string Resolve(string? db) => FullPath(db ?? Database ?? DefaultDatabase);

    /// <summary>A path the user gave, made absolute against the notebook's directory.</summary>
    public string FullPath(string path) => Path.GetFullPath(path, _directory);

    /// <summary>Keeps an edited spec and saves it to <see cref="SpecPath"/>, or to <paramref name="path"/> from now on.</summary>
    public void SaveSpec(CaptureSpec spec, string? path = null)
    {
        var target = path is null ? SpecPath : FullPath(path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            CaptureSpecFile.Save(spec, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CaptureSpecException(target, $"cannot save the spec: {e.Message}");
        }
        (_spec, SpecPath, _specWritten) = (spec, target, File.GetLastWriteTimeUtc(target));
    }

    /// <summary>Reads a spec file and makes it the one edits are saved to.</summary>
    public void LoadSpec(string path)
    {
        var full = FullPath(path);
        (_spec, SpecPath, _specWritten) = (CaptureSpecFile.Load(full), full, File.GetLastWriteTimeUtc(full));
    }

    public void Dispose()
    {
        Snapshotter.Dispose();
        Agents.Dispose();
        Fleet?.Dispose();
    }
}
