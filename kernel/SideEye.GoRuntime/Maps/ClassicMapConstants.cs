using SideEye.Binary.Dwarf;

namespace SideEye.GoRuntime.Maps;

/// <summary>
/// The runtime constants that give a classic (Go 1.19–1.23) map bucket's tophash bytes their meaning, read from
/// the DW_TAG_constant entries the compiler writes for package runtime. Every supported release that has these
/// maps declares them (a test checks each toolchain), so nothing here is a per-release table; a binary without
/// them is an error rather than a guess.
/// </summary>
public sealed record ClassicMapConstants(byte MinTopHash, byte EvacuatedX, byte EvacuatedEmpty, byte SameSizeGrow)
{
    public static ClassicMapConstants Read(DwarfData dwarf) =>
        new(Byte(dwarf, "runtime.minTopHash", "tophash values below it mark an empty or evacuated slot"),
            Byte(dwarf, "runtime.evacuatedX", "the first tophash[0] of an evacuated old bucket"),
            Byte(dwarf, "runtime.evacuatedEmpty", "the last tophash[0] of an evacuated old bucket"),
            Byte(dwarf, "runtime.sameSizeGrow", "the hmap.flags bit of a grow that keeps the bucket count"));

    static byte Byte(DwarfData dwarf, string name, string why)
    {
        var file = dwarf.Image.Path;
        var value = dwarf.FindConstant(name)
            ?? throw new SideEyeException($"{file}: DWARF has no constant {name} ({why}), which every Go release with hmap maps declares");
        return value is >= 0 and <= byte.MaxValue ? (byte)value
            : throw new SideEyeException($"{file}: {name} is {value}, which does not fit the byte it is compared with");
    }
}
