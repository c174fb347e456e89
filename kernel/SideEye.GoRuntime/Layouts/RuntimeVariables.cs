using SideEye.Binary.Dwarf;
using SideEye.Binary.Elf;

namespace SideEye.GoRuntime.Layouts;

/// <summary>Addresses of the runtime globals a snapshot starts from.</summary>
public sealed record RuntimeVariables(ulong AllGs, ulong AllGLen, ulong FirstModuleData)
{
    public static RuntimeVariables Read(ElfImage image, DwarfData dwarf) =>
        new(Find(image, dwarf, "runtime.allgs"), Find(image, dwarf, "runtime.allglen"), Find(image, dwarf, "runtime.firstmoduledata"));

    static ulong Find(ElfImage image, DwarfData dwarf, string name)
    {
        if (dwarf.FindVariableAddress(name) is { } address) return address;
        var symbol = image.Symbols.FirstOrDefault(s => s.Name == name);
        return symbol.Value != 0 ? symbol.Value : throw new SideEyeException($"{image.Path}: cannot find {name} in DWARF or the symbol table");
    }
}
