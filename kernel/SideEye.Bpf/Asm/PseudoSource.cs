namespace SideEye.Bpf.Asm;

/// <summary>Values the src register field takes on special instructions (64-bit loads, calls).</summary>
public enum PseudoSource : byte
{
    /// <summary>Plain 64-bit constant, or a helper call.</summary>
    None = 0,
    /// <summary>BPF_PSEUDO_MAP_FD: the constant is a map fd the kernel replaces with the map's address. Also BPF_PSEUDO_CALL (bpf-to-bpf call) on a call.</summary>
    MapFd = 1,
    /// <summary>BPF_PSEUDO_MAP_VALUE: map fd plus an offset into its first value.</summary>
    MapValue = 2,
    /// <summary>BPF_PSEUDO_BTF_ID: a kernel variable's BTF id.</summary>
    BtfId = 3,
    /// <summary>BPF_PSEUDO_FUNC: the address of a subprogram (e.g. a bpf_loop callback), as a relative instruction offset.</summary>
    Func = 4,
}
