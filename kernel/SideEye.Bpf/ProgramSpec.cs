using SideEye.Bpf.Asm;

namespace SideEye.Bpf;

/// <summary>
/// A kernel-free description of a program. For iterators set <see cref="AttachType"/> to <see cref="Bpf.AttachType.TraceIter"/>
/// and <see cref="AttachTo"/> to the target ("task"); the BTF id of bpf_iter_&lt;target&gt; is looked up at load time.
/// </summary>
public sealed record ProgramSpec(string Name, ProgramType Type, Instructions Instructions, string License = "GPL")
{
    /// <summary>expected_attach_type; required for <see cref="ProgramType.Tracing"/>.</summary>
    public AttachType? AttachType { get; init; }
    /// <summary>What a Tracing program attaches to: an iterator target such as "task", or a kernel function.</summary>
    public string? AttachTo { get; init; }
    /// <summary>An explicit vmlinux BTF id; overrides <see cref="AttachTo"/>.</summary>
    public uint AttachBtfId { get; init; }
    /// <summary>BPF_F_SLEEPABLE: may fault in user memory (iter.s/task, bpf_copy_from_user_task).</summary>
    public bool Sleepable { get; init; }
}
