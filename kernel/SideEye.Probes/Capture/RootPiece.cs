namespace SideEye.Probes.Capture;

/// <summary>Where the probe finds one piece of a root variable: its frame's stack (CFA-relative), a register (the innermost frame of a running goroutine only), or a package variable's address.</summary>
public readonly record struct RootPiece(RootPieceKind Kind, long Offset, int Register, int Size, int Destination);

public enum RootPieceKind : byte
{
    Stack = 1,
    Register = 2,
    Global = 3,
}
