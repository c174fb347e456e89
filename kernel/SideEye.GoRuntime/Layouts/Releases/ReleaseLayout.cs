using System.Text.Json;
using SideEye.Binary.Dwarf;
using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime.Layouts.Releases;

/// <summary>
/// One Go release's runtime layout as the snapshot probe needs it (runtime.g and runtime.m field offsets, status
/// constants, the number of wait reasons, how pprof labels are kept), written from that release's own DWARF by
/// `sideeye runtime-layout` and shipped as data, so a binary without DWARF can still be snapshotted. A test checks
/// every shipped file against the installed toolchain of its release.
/// </summary>
public sealed record ReleaseLayout
{
    /// <summary>The exact release the layout was read from ("go1.26.10").</summary>
    public required string Version { get; init; }
    public required int GSize { get; init; }
    public required int MSize { get; init; }
    /// <summary>Every field of <see cref="RuntimeFieldSpecs"/> the release has, by key ("g.sched.pc").</summary>
    public required SortedDictionary<string, FieldLocation> Fields { get; init; }
    /// <summary>Goroutine status constants by name ("_Grunning").</summary>
    public required SortedDictionary<string, long> Statuses { get; init; }
    /// <summary>Length of runtime.waitReasonStrings: the largest waitReason constant plus one.</summary>
    public required int WaitReasonCount { get; init; }
    public required PprofLabelsShape Labels { get; init; }


    /// <summary>The layout a binary's DWARF gives (the binary must link runtime/pprof's labels, so their shape is known).</summary>
    public static ReleaseLayout FromDwarf(DwarfData dwarf, GoVersion version)
    {
        var file = dwarf.Image.Path;
        var layout = RuntimeLayout.Read(dwarf, version, file);
        var labels = PprofLabelsShape.Read(dwarf);
        if (labels.Layout == PprofLabelsLayout.None)
            throw new SideEyeException($"{file}: has no runtime/pprof.labelMap; build the layout from a program that sets pprof labels (testdata/parked)");
        return new ReleaseLayout
        {
            Version = version.Text,
            GSize = layout.GSize,
            MSize = layout.MSize,
            Fields = new SortedDictionary<string, FieldLocation>(layout.Fields.ToDictionary(), StringComparer.Ordinal),
            Statuses = new SortedDictionary<string, long>(GoroutineStatuses.Read(dwarf, file).ByName.ToDictionary(), StringComparer.Ordinal),
            WaitReasonCount = WaitReasons.CountFrom(dwarf),
            Labels = labels,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, ReleaseLayoutJson.Default.ReleaseLayout) + "\n";

    public static ReleaseLayout FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ReleaseLayoutJson.Default.ReleaseLayout) ?? throw new SideEyeException($"{source}: empty layout data");
        }
        catch (JsonException e)
        {
            throw new SideEyeException($"{source}: not runtime layout data: {e.Message}");
        }
    }

    /// <summary>Whether two releases' layouts agree in everything the probe reads (the release names aside).</summary>
    public bool SameLayoutAs(ReleaseLayout other) => ToJson() == (other with { Version = Version }).ToJson();
}
