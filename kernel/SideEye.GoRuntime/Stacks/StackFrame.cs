namespace SideEye.GoRuntime.Stacks;

/// <summary>One symbolized frame, innermost first; inlined frames share the PC of their physical frame.</summary>
public sealed record StackFrame(ulong Pc, string Function, string File, int Line, bool Inlined)
{
    public override string ToString() => $"{Function} {File}:{Line}";
}
