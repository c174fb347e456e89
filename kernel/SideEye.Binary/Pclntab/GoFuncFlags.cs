namespace SideEye.Binary.Pclntab;

/// <summary>The runtime's per-function flag byte (abi.FuncFlag, unchanged since Go 1.18).</summary>
[Flags]
public enum GoFuncFlags : byte
{
    None = 0,
    /// <summary>FuncFlagTopFrame: stack unwinding stops here (goexit, mstart...).</summary>
    TopFrame = 1,
    /// <summary>FuncFlagSPWrite: writes SP arbitrarily, so pcsp cannot describe its frame.</summary>
    SpWrite = 2,
    /// <summary>FuncFlagAsm: written in assembly.</summary>
    Asm = 4,
}
