namespace SideEye.Binary.Pclntab;

/// <summary>
/// The table offsets of one <c>_func</c> that lookups need: pc-value tables (offsets into pctab),
/// the compilation unit's cutab index, and where the pcdata/funcdata arrays start in the function table.
/// </summary>
internal readonly record struct FuncRecord(
    uint PcSp, uint PcFile, uint PcLine, uint CuOffset,
    int PcDataStart, uint PcDataCount, int FuncDataStart, byte FuncDataCount);
