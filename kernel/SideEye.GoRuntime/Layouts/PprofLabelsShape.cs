using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime.Maps;

namespace SideEye.GoRuntime.Layouts;

/// <summary>
/// How runtime/pprof keeps a goroutine's labels (what g.labels points to): a map[string]string up to Go 1.23, a
/// struct holding a sorted []label (key, value strings) from 1.24. <see cref="Map"/> and <see cref="MinTopHash"/> say
/// where a StringMap's entries are.
/// </summary>
public sealed record PprofLabelsShape(PprofLabelsLayout Layout, ClassicMapLayout? Map = null, byte? MinTopHash = null)
{
    public static readonly PprofLabelsShape None = new(PprofLabelsLayout.None);

    /// <summary>From the binary's DWARF: None when the program never links runtime/pprof's labels (g.labels then stays nil).</summary>
    public static PprofLabelsShape Read(DwarfData dwarf)
    {
        var type = dwarf.FindType("runtime/pprof.labelMap");
        return type?.Kind switch
        {
            null => None,
            GoKind.Map => new PprofLabelsShape(PprofLabelsLayout.StringMap, ClassicMapLayout.Read(type), ClassicMapConstants.Read(dwarf).MinTopHash),
            GoKind.Struct when type.Size == 24 => new PprofLabelsShape(PprofLabelsLayout.LabelSlice),
            _ => throw new SideEyeException($"{dwarf.Image.Path}: runtime/pprof.labelMap is a {type.Kind.ToGoString()} of {type.Size} bytes, a layout the probe does not know"),
        };
    }
}
