using SideEye.Loader.Ptrace;

namespace SideEye.Loader.Pause;

/// <summary>One thread of a paused process and its registers at the moment every thread was stopped.</summary>
public sealed record PausedThread(int Tid, UserRegisters Registers)
{
    public ulong Rip => Registers.Rip;
    public ulong Rsp => Registers.Rsp;
    public ulong Rbp => Registers.Rbp;
    public override string ToString() => $"tid {Tid} {Registers}";
}
