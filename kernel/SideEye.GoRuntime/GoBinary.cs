using SideEye.Binary;
using SideEye.Binary.DebugInfo;
using SideEye.Binary.Dwarf;
using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;
using SideEye.GoRuntime.Layouts;
using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime;

/// <summary>
/// A Go executable opened for debugging: its ELF image, build info, Go's own pclntab (always present, also
/// when stripped), DWARF when kept or found in a separate debug file, and the runtime model read from them (without
/// DWARF: from the release's shipped layout data and the runtime's machine code). DWARF
/// (and the search for a debug file, which may ask a debuginfod server) and the runtime model are read on first use.
/// </summary>
public sealed class GoBinary
{
    readonly Lazy<(ElfImage Image, DebugFileSearch? Search)> _debugInfo;
    readonly Lazy<DwarfData?> _dwarf;
    readonly Lazy<GoRuntimeModel> _runtime;

    GoBinary(ElfImage image, GoBuildInfo? buildInfo, GoVersion version, GoPclntab pclntab, DebugInfoSources debugSources, string? executablePath)
    {
        Image = image;
        BuildInfo = buildInfo;
        Version = version;
        Pclntab = pclntab;
        _debugInfo = new Lazy<(ElfImage, DebugFileSearch?)>(() => FindDebugInfo(image, debugSources, executablePath));
        _dwarf = new Lazy<DwarfData?>(() => DwarfData.Load(_debugInfo.Value.Image));
        _runtime = new Lazy<GoRuntimeModel>(ReadRuntime);
    }

    public string Path => Image.Path;
    public ElfImage Image { get; }
    public GoBuildInfo? BuildInfo { get; }
    public GoVersion Version { get; }
    public GoPclntab Pclntab { get; }
    /// <summary>The DWARF data, the executable's own or its separate debug file's; null when neither is there (see <see cref="NoDwarf"/>).</summary>
    public DwarfData? Dwarf => _dwarf.Value;

    /// <summary>Where the DWARF came from when not from the executable itself (a debug file's path, a debuginfod server); null otherwise.</summary>
    public string? DebugFileAt => _debugInfo.Value.Search?.FoundAt;

    /// <summary>Why there is no DWARF, naming where a debug file was looked for, in one line; null when there is DWARF.</summary>
    public string? NoDwarf => Dwarf is not null ? null
        : $"{Path}: no DWARF (built with -ldflags=-w or -s, or stripped) and no separate debug file: looked at {_debugInfo.Value.Search?.Describe() ?? "nothing"}";

    /// <summary>The ELF symbols: the executable's, or when it has none, its separate debug file's.</summary>
    public IReadOnlyList<ElfSymbolInfo> Symbols => Image.Symbols.Count > 0 ? Image.Symbols : _debugInfo.Value.Image.Symbols;

    /// <summary>The runtime model; throws a <see cref="SideEyeException"/> saying why when it cannot be read.</summary>
    public GoRuntimeModel Runtime => _runtime.Value;

    /// <param name="debugInfo">Where to look for a separate debug file when the executable has no DWARF; none when null.</param>
    /// <param name="executablePath">Where the executable lives on its machine (debuglink looks beside it); <paramref name="path"/> when null.</param>
    public static GoBinary Open(string path, DebugInfoSources? debugInfo = null, string? executablePath = null) =>
        FromImage(ElfImage.Open(path), debugInfo, executablePath ?? RealPath(path));

    public static GoBinary FromImage(ElfImage image, DebugInfoSources? debugInfo = null, string? executablePath = null)
    {
        var buildInfo = GoBuildInfo.Read(image);
        var pclntab = GoPclntab.Load(image);
        if (buildInfo is null && pclntab is null)
            throw new BinaryFormatException(image.Path, "not a Go binary (no .go.buildinfo and no Go pclntab)");
        if (pclntab is null)
            throw new BinaryFormatException(image.Path, "Go binary without a readable pclntab");
        var version = GoVersion.TryParse(buildInfo?.GoVersion)
            ?? throw new BinaryFormatException(image.Path, $"unrecognised Go version '{buildInfo?.GoVersion ?? "(none)"}' in build info", ".go.buildinfo");
        return new GoBinary(image, buildInfo, version, pclntab, debugInfo ?? DebugInfoSources.None, executablePath ?? image.Path);
    }

    static (ElfImage, DebugFileSearch?) FindDebugInfo(ElfImage image, DebugInfoSources sources, string? executablePath)
    {
        if (image.HasDwarf) return (image, null);
        var search = DebugFileLocator.Find(image, executablePath, sources);
        return (search.Found is { } debug ? image.WithDebugFile(debug) : image, search);
    }

    /// <summary>A /proc/PID/exe link's target (where debuglink looks), or the path itself.</summary>
    static string RealPath(string path)
    {
        try { return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return path; }
    }

    GoRuntimeModel ReadRuntime()
    {
        if (!Version.IsSupported) throw new UnsupportedGoVersionException(Path, Version);
        return Dwarf is { } dwarf
            ? GoRuntimeModel.Read(_debugInfo.Value.Image, dwarf, Version)
            : GoRuntimeModel.ReadWithoutDwarf(Image, Pclntab, Version, NoDwarf!);
    }
}
