using System.Buffers.Binary;
using SideEye.Binary.Elf;

namespace SideEye.Binary.Pclntab;

/// <summary>
/// Finds and reads runtime.firstmoduledata: by symbol when the binary has a symbol table, otherwise by
/// scanning the writable data sections for a pointer to the pclntab (moduledata's first field is the
/// pcHeader pointer) and checking that the following slices point at the pclntab's own tables.
/// </summary>
internal static class ModuleDataLocator
{
    // Byte offsets of moduledata fields on 64-bit targets. The slices funcnametab..ftab are 24 bytes each.
    const int FuncNameTabField = 8, CuTabField = 32, FtabField = 128, MinPcField = 160;
    const int TextField = 176, NoPtrDataField = 192, DataField = 208, BssField = 224;
    // Go 1.20 inserted covctrs/ecovctrs after enoptrbss, shifting everything after it by 16 bytes.
    const int EndField119 = 256, EndField120 = 272;

    public static GoModuleData? Find(ElfImage image, PclntabHeader header, ulong pclntabAddress)
    {
        var symbol = image.Symbols.FirstOrDefault(s => s.Name == "runtime.firstmoduledata");
        if (symbol.Name is not null && TryRead(image, header, pclntabAddress, symbol.Value) is { } bySymbol) return bySymbol;

        Span<byte> word = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(word, pclntabAddress);
        foreach (var section in image.Sections)
        {
            const ulong flagWrite = 0x1;
            if ((section.Flags & ElfSectionInfo.FlagAlloc) == 0 || (section.Flags & flagWrite) == 0 || !section.HasFileData) continue;
            var data = image.RawSectionData(section).Span;
            // moduledata is pointer-aligned; search for the pcHeader pointer, then validate the candidate.
            for (var at = data.IndexOf(word); at >= 0;)
            {
                if (at % 8 == 0 && TryRead(image, header, pclntabAddress, section.Address + (ulong)at) is { } found) return found;
                var next = data[(at + 1)..].IndexOf(word);
                at = next < 0 ? -1 : at + 1 + next;
            }
        }
        return null;
    }

    static GoModuleData? TryRead(ElfImage image, PclntabHeader header, ulong pclntab, ulong address)
    {
        var endField = header.FormatVersion == 1 ? EndField119 : EndField120;
        var size = endField + 8 * 8;
        var buffer = new byte[size];
        if (!image.TryReadAt(address, buffer)) return null;
        ulong At(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(offset));
        if (At(0) != pclntab
            || At(FuncNameTabField) != pclntab + (ulong)header.FuncNameOffset
            || At(CuTabField) != pclntab + (ulong)header.CuOffset
            || At(FtabField) != pclntab + (ulong)header.FuncTabOffset
            || At(FtabField + 8) != (ulong)header.FunctionCount + 1)
            return null;
        var text = At(TextField);
        var minPc = At(MinPcField);
        if (text > minPc) return null;
        // After end, gcdata, gcbss come types, etypes, rodata, gofunc.
        return new GoModuleData(address, pclntab, minPc, At(MinPcField + 8), text, At(TextField + 8),
            At(NoPtrDataField), At(NoPtrDataField + 8), At(DataField), At(DataField + 8), At(BssField), At(BssField + 8),
            At(endField + 24), At(endField + 32), At(endField + 40), At(endField + 48));
    }
}
