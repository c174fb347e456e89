namespace SideEye.Binary.Elf;

/// <summary>The machines SideEye can read Go binaries for, with Go's GOARCH spelling.</summary>
public enum ElfArchitecture
{
    /// <summary>EM_X86_64</summary>
    Amd64 = 62,
    /// <summary>EM_AARCH64</summary>
    Arm64 = 183,
}

public static class ElfArchitectureExtensions
{
    public static string GoArch(this ElfArchitecture arch) => arch switch
    {
        ElfArchitecture.Amd64 => "amd64",
        ElfArchitecture.Arm64 => "arm64",
        _ => arch.ToString(),
    };
}
