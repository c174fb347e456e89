namespace SideEye.Binary.Dwarf.Frame;

/// <summary>A CIE of .debug_frame: alignment factors, return-address register and the initial instructions.</summary>
public sealed record CommonInformationEntry(long Offset, int Version, string Augmentation, int AddressSize, ulong CodeAlignment,
    long DataAlignment, int ReturnAddressRegister, int InstructionsStart, int InstructionsEnd);
