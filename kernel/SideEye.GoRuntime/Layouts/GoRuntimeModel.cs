using SideEye.Binary.Dwarf;
using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;
using SideEye.GoRuntime.Layouts.Releases;
using SideEye.GoRuntime.MachineCode;
using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime.Layouts;

/// <summary>Everything the snapshot probe needs to know about one binary's runtime.</summary>
public sealed record GoRuntimeModel(
    RuntimeLayout Layout, GoroutineStatuses Statuses, WaitReasons WaitReasons, RuntimeVariables Variables, PprofLabelsShape Labels, RuntimeModelOrigin Origin)
{
    /// <summary>All from the binary's own DWARF.</summary>
    public static GoRuntimeModel Read(ElfImage image, DwarfData dwarf, GoVersion version) =>
        new(RuntimeLayout.Read(dwarf, version, image.Path),
            GoroutineStatuses.Read(dwarf, image.Path),
            WaitReasons.Read(image, dwarf),
            RuntimeVariables.Read(image, dwarf),
            PprofLabelsShape.Read(dwarf),
            RuntimeModelOrigin.Dwarf);

    /// <summary>
    /// For a binary without DWARF: layouts from the release's shipped data, globals from the runtime's machine code,
    /// the wait-reason strings from the binary's data.
    /// </summary>
    public static GoRuntimeModel ReadWithoutDwarf(ElfImage image, GoPclntab pclntab, GoVersion version, string noDwarf)
    {
        var (release, exact) = ReleaseLayouts.Find(version)
            ?? throw new SideEyeException($"{noDwarf}; no runtime layout is shipped for {version.Text}'s minor release, so it needs its debug info");
        var source = $"{image.Path}: {release.Version} layout data";
        var (allgs, allglen) = RuntimeGlobalsFinder.FindAllGs(image, pclntab);
        var (waitReasons, count) = RuntimeGlobalsFinder.FindWaitReasonStrings(image, pclntab);
        if (count != release.WaitReasonCount)
            throw new SideEyeException($"{noDwarf}; its runtime knows {count} wait reasons where {release.Version}'s has {release.WaitReasonCount}, so its layout cannot be assumed");
        return new GoRuntimeModel(
            RuntimeLayout.FromFields(release.GSize, release.MSize, release.Fields, version, source),
            GoroutineStatuses.FromConstants(release.Statuses, source),
            WaitReasons.Read(image, waitReasons, count),
            new RuntimeVariables(allgs, allglen, pclntab.ModuleData.Address),
            release.Labels,
            new RuntimeModelOrigin(release.Version, !exact));
    }
}
