namespace SideEye.Probes.Specs;

/// <summary>Where one piece of a captured variable's value is in a frame.</summary>
/// <param name="CfaOffset">For <see cref="CapturePieceKind.Stack"/>: the address is the frame's CFA plus this.</param>
/// <param name="Register">For <see cref="CapturePieceKind.Register"/>: the DWARF register number.</param>
/// <param name="Size">Bytes of the value in this piece; 0 when the value is not split (the type's size).</param>
public sealed record CapturePiece(CapturePieceKind Kind, long CfaOffset, int Register, int Size);

public enum CapturePieceKind
{
    /// <summary>In the frame's stack memory, at CFA + offset: readable in any frame.</summary>
    Stack = 1,
    /// <summary>In a register: only the innermost frame of a stopped goroutine has its registers.</summary>
    Register = 2,
}

/// <summary>
/// A variable's location at one pc of one frame: its pieces, or why there is no value to read
/// (<see cref="Unavailable"/>: "optimized away", "not available at pc", …).
/// </summary>
public sealed record CaptureLocation(IReadOnlyList<CapturePiece> Pieces, string? Unavailable)
{
    public bool IsAvailable => Unavailable is null;
    public static CaptureLocation NotAvailable(string why) => new([], why);
}
