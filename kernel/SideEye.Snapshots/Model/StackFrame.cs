namespace SideEye.Snapshots.Model;

/// <summary>One frame of a goroutine's stack; an inlined call is a frame of its own sharing its caller's PC.</summary>
public sealed record StackFrame(ulong Pc, string Func, string File, int Line, bool Inlined);
