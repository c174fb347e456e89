using SideEye.Binary;
using SideEye.Binary.Dwarf;
using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;
using SideEye.GoRuntime.Layouts;
using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime;

/// <summary>
/// A Go executable opened for debugging: its ELF image, build info, Go's own pclntab (always present, also
/// when stripped), DWARF when kept, and the runtime model read from them. DWARF and the runtime model are
/// decoded on first use.
/// </summary>
public sealed class GoBinary
{
    readonly Lazy<DwarfData?> _dwarf;
    readonly Lazy<GoRuntimeModel> _runtime;

    GoBinary(ElfImage image, GoBuildInfo? buildInfo, GoVersion version, GoPclntab pclntab)
    {
        Image = image;
        BuildInfo = buildInfo;
        Version = version;
        Pclntab = pclntab;
        _dwarf = new Lazy<DwarfData?>(() => DwarfData.Load(image));
        _runtime = new Lazy<GoRuntimeModel>(ReadRuntime);
    }

    public string Path => Image.Path;
    public ElfImage Image { get; }
    public GoBuildInfo? BuildInfo { get; }
    public GoVersion Version { get; }
    public GoPclntab Pclntab { get; }
    /// <summary>The DWARF data, or null for a binary linked with -w / -s.</summary>
    public DwarfData? Dwarf => _dwarf.Value;
    public bool HasDwarf => Image.FindSection(".debug_info") is not null || Image.FindSection(".zdebug_info") is not null;

    /// <summary>The runtime model; throws a <see cref="SideEyeException"/> saying why when it cannot be read.</summary>
    public GoRuntimeModel Runtime => _runtime.Value;

    public static GoBinary Open(string path) => FromImage(ElfImage.Open(path));

    public static GoBinary FromImage(ElfImage image)
    {
        var buildInfo = GoBuildInfo.Read(image);
        var pclntab = GoPclntab.Load(image);
        if (buildInfo is null && pclntab is null)
            throw new BinaryFormatException(image.Path, "not a Go binary (no .go.buildinfo and no Go pclntab)");
        if (pclntab is null)
            throw new BinaryFormatException(image.Path, "Go binary without a readable pclntab");
        var version = GoVersion.TryParse(buildInfo?.GoVersion)
            ?? throw new BinaryFormatException(image.Path, $"unrecognised Go version '{buildInfo?.GoVersion ?? "(none)"}' in build info", ".go.buildinfo");
        return new GoBinary(image, buildInfo, version, pclntab);
    }

    GoRuntimeModel ReadRuntime()
    {
        if (!Version.IsSupported) throw new UnsupportedGoVersionException(Path, Version);
        var dwarf = Dwarf ?? throw new SideEyeException($"{Path}: no DWARF (built with -ldflags=-w or -s); the runtime model needs it");
        return GoRuntimeModel.Read(Image, dwarf, Version);
    }
}
