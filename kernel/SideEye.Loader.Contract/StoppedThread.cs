namespace SideEye.Loader.Contract;

/// <summary>A thread of the target as the pause found it.</summary>
public sealed record StoppedThread(int Tid, ThreadRegisters Registers);
