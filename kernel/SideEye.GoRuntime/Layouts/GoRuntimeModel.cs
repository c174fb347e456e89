using SideEye.Binary.Dwarf;
using SideEye.Binary.Elf;
using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime.Layouts;

/// <summary>Everything the snapshot probe needs to know about one binary's runtime, all read from that binary.</summary>
public sealed record GoRuntimeModel(RuntimeLayout Layout, GoroutineStatuses Statuses, WaitReasons WaitReasons, RuntimeVariables Variables)
{
    public static GoRuntimeModel Read(ElfImage image, DwarfData dwarf, GoVersion version) =>
        new(RuntimeLayout.Read(dwarf, version, image.Path),
            GoroutineStatuses.Read(dwarf, image.Path),
            WaitReasons.Read(image, dwarf),
            RuntimeVariables.Read(image, dwarf));
}
