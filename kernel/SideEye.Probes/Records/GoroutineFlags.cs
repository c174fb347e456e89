namespace SideEye.Probes.Records;

/// <summary>Bits of a goroutine record's flags word (<see cref="RecordLayout.Flags"/>).</summary>
[Flags]
public enum GoroutineFlags : uint
{
    None = 0,
    /// <summary>The frame-pointer walk stopped at the plan's frame limit while the stack went on.</summary>
    Truncated = 1,
    /// <summary>A running goroutine whose thread had no entry in thread_regs: no stack, header only.</summary>
    NoRegisters = 2,
    /// <summary>A goroutine in a syscall whose return site had no precomputed pcsp frame size (pc_spdelta map): only that PC is reported.</summary>
    NoSpDelta = 4,
    /// <summary>The release has g.parentGoid, so ParentGoid is meaningful (Go 1.21+).</summary>
    HasParentGoid = 8,
    /// <summary>The release has g.syscallbp (Go 1.23+).</summary>
    HasSyscallBp = 16,
    /// <summary>The g's m pointer was set but m.procid could not be read.</summary>
    ThreadUnreadable = 32,
    /// <summary>Running, but its thread was on the system stack (g0) inside runtime.systemstack: frames start from g.sched, which systemstack saved.</summary>
    OnSystemStack = 64,
    /// <summary>Running, but its thread's sp was on no stack the probe can walk (a signal stack, or g0 outside systemstack): only the PC is reported.</summary>
    OffStack = 128,
    /// <summary>Running on its own stack, but the thread-stack record (the words at sp) could not be read or sent: the caller of the innermost function may be missing.</summary>
    NoStackWindow = 256,
    /// <summary>g.labels was set but the labels could not all be read or sent (more than the reader handles, unreadable memory, or no room): Labels may be missing.</summary>
    LabelsUnread = 512,
    /// <summary>A frame's [saved bp, return address] could not be read (stack memory not resident, say): the stack ends early.</summary>
    StackUnreadable = 1024,
}
