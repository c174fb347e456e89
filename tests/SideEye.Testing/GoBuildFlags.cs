namespace SideEye.Testing;

/// <summary>How a fixture is built. The default is a production build: optimised, inlined, with DWARF.</summary>
[Flags]
public enum GoBuildFlags
{
    Default = 0,
    /// <summary>-gcflags=all=-N -l</summary>
    NoOptimizations = 1,
    /// <summary>-ldflags=-s -w: no symbol table, no DWARF.</summary>
    Stripped = 2,
    /// <summary>-buildmode=pie</summary>
    Pie = 4,
    /// <summary>-trimpath</summary>
    Trimpath = 8,
    /// <summary>-ldflags=-compressdwarf=false</summary>
    UncompressedDwarf = 16,
}
