namespace SideEye.Binary.Pclntab;

/// <summary>
/// The fields of the runtime's <c>moduledata</c> (runtime.firstmoduledata) that SideEye uses, read from the
/// binary's initial data. <see cref="Address"/> is 0 and the other fields are derived from the pclntab when
/// the structure could not be found.
/// </summary>
public sealed record GoModuleData(
    ulong Address,
    ulong PcHeader,
    ulong MinPc,
    ulong MaxPc,
    ulong Text,
    ulong EText,
    ulong NoPtrData,
    ulong ENoPtrData,
    ulong Data,
    ulong EData,
    ulong Bss,
    ulong EBss,
    ulong Types,
    ulong ETypes,
    ulong RoData,
    // Base of go:func.* (go.func.*): funcdata offsets are relative to it.
    ulong GoFunc)
{
    public bool Found => Address != 0;
}
