namespace SideEye.Probes.Capture;

/// <summary>One expression's root variable at one place: the pieces its bytes are assembled from (none: not available there).</summary>
public sealed record CaptureRoot(int Expression, IReadOnlyList<RootPiece> Pieces, int Size)
{
    /// <summary>Largest root the probe assembles; a bigger variable is copied in part (the decoder marks the rest).</summary>
    public const int MaxBytes = 512;

    public bool UsesRegisters => Pieces.Any(p => p.Kind == RootPieceKind.Register);
    internal string Key => $"{Expression}:{Size}:{string.Join(",", Pieces.Select(p => $"{(int)p.Kind}/{p.Offset}/{p.Register}/{p.Size}/{p.Destination}"))}";
}
