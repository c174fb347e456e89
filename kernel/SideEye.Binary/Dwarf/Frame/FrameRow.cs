namespace SideEye.Binary.Dwarf.Frame;

/// <summary>The CFI row in effect at a PC: the CFA rule and the rule of every register the FDE mentions.</summary>
public sealed record FrameRow(ulong Address, ulong FunctionStart, ulong FunctionEnd, FrameRule Cfa, IReadOnlyDictionary<int, FrameRule> Registers, int ReturnAddressRegister);
