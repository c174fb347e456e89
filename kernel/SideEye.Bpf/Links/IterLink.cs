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

    /// <summary>Attaches an iterator program.</summary>
    /// <param name="processId">
    /// For task iterators only: visit just this process's threads instead of every task (bpf_iter_link_info.task.pid, Linux 6.1).
    /// </param>
    public static unsafe IterLink Attach(BpfProgram program, int? processId = null)
    {
        if (program.Spec.Type != ProgramType.Tracing || program.Spec.AttachType != AttachType.TraceIter)
            throw new ArgumentException($"{program} is not an iterator: needs {ProgramType.Tracing} with {AttachType.TraceIter}", nameof(program));
        // union bpf_iter_link_info is 16 bytes (its cgroup arm); the task arm is { u32 tid; u32 pid; u32 pid_fd; }.
        var info = stackalloc uint[4];
        new Span<uint>(info, 4).Clear();
        var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd, AttachType = (uint)AttachType.TraceIter };
        if (processId is { } pid)
        {
            info[1] = (uint)pid;
            attr.IterInfoOrCookie = (ulong)info;
            attr.IterInfoLen = 16;
        }
        var fd = Internal.Sys.Bpf.CallFd(BpfCmd.LinkCreate, ref attr, $"iterator {program}{(processId is null ? "" : $" for pid {processId}")}");
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
