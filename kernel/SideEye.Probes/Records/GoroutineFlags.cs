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
    /// <summary>The first PC had no precomputed pcsp frame size (pc_spdelta map), so only that PC is reported.</summary>
    NoSpDelta = 4,
    /// <summary>The release has g.parentGoid, so ParentGoid is meaningful (Go 1.21+).</summary>
    HasParentGoid = 8,
    /// <summary>The release has g.syscallbp (Go 1.23+).</summary>
    HasSyscallBp = 16,
    /// <summary>The g's m pointer was set but m.procid could not be read.</summary>
    ThreadUnreadable = 32,
}
