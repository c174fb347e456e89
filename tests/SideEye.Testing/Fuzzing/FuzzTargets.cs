namespace SideEye.Testing.Fuzzing;

/// <summary>
/// The intact binaries the fuzz campaigns damage: the oldest and newest supported releases (pclntab formats 1 and 2),
/// uncompressed DWARF (so flipped DWARF bytes reach the DWARF readers rather than zlib), and a stripped build (symbols
/// and DWARF gone, pclntab found without them).
/// </summary>
public static class FuzzTargets
{
    public static IReadOnlyList<string> Binaries() =>
    [
        GoFixture.Build("parked", "1.26"),
        GoFixture.Build("parked", "1.19"),
        GoFixture.Build("layouts", "1.26", GoBuildFlags.UncompressedDwarf),
        GoFixture.Build("parked", "1.26", GoBuildFlags.Stripped),
    ];
}
