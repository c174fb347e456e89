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
    /// <summary>CGO_ENABLED=1 (gcc): the program links C, externally unless <see cref="InternalLink"/>.</summary>
    Cgo = 32,
    /// <summary>-ldflags=-linkmode=internal: Go's own linker links the C objects, which then sit in its function table.</summary>
    InternalLink = 64,
    /// <summary>-ldflags=-B 0x…: a GNU build ID, the same for every build of one program by one release.</summary>
    GnuBuildId = 128,
    /// <summary>
    /// As Debian ships a program: a GNU build ID, then the DWARF and symbols split off with objcopy --only-keep-debug into
    /// <see cref="GoFixture.DebugDirectory"/> (<c>.build-id/xx/rest.debug</c>) and the executable stripped of them (objcopy
    /// --strip-all) with a .gnu_debuglink naming that file.
    /// </summary>
    SeparateDebugInfo = 256,
}
