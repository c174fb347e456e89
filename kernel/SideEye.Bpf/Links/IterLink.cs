using SideEye.Bpf.Internal.Linux;
using SideEye.Bpf.Internal.Sys;

namespace SideEye.Bpf.Links;

/// <summary>
/// A bpf iterator (iter/task, iter.s/task, ...) attached with BPF_LINK_CREATE / BPF_TRACE_ITER. Each
/// <see cref="Open"/> creates a fresh iterator fd (BPF_ITER_CREATE); reading it to the end runs the program once per
/// object and returns what it wrote with bpf_seq_write/bpf_seq_printf.
/// </summary>
public sealed class IterLink : BpfLink
{
    public BpfProgram Program { get; }

    IterLink(FdHandle link, BpfProgram program) : base(link) => Program = program;

    public static IterLink Attach(BpfProgram program)
    {
        if (program.Spec.Type != ProgramType.Tracing || program.Spec.AttachType != AttachType.TraceIter)
            throw new ArgumentException($"{program} is not an iterator: needs {ProgramType.Tracing} with {AttachType.TraceIter}", nameof(program));
        var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd, AttachType = (uint)AttachType.TraceIter };
        var fd = Internal.Sys.Bpf.CallFd(BpfCmd.LinkCreate, ref attr, $"iterator {program}");
        return new IterLink(fd, program);
    }

    /// <summary>A new pass of the iterator as a read-only stream.</summary>
    public Stream Open()
    {
        var attr = new IterCreateAttr { LinkFd = (uint)Handle.Value };
        return new IterStream(Internal.Sys.Bpf.CallFd(BpfCmd.IterCreate, ref attr, $"iterator {Program}"), Program.Name);
    }

    /// <summary>Runs the iterator once and returns everything it wrote.</summary>
    public byte[] ReadAll()
    {
        using var stream = Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
