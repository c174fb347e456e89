namespace SideEye.Testing;

/// <summary>One frame of a runtime.Stack dump: the function (without its arguments) and where it is.</summary>
/// <param name="Offset">The "+0x…" PC offset from the function's entry; null for inlined frames and frames at the entry.</param>
public sealed record DumpFrame(string Func, string File, int Line, long? Offset);
