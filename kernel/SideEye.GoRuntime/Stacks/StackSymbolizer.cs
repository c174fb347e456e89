using SideEye.Binary.Pclntab;

namespace SideEye.GoRuntime.Stacks;

/// <summary>
/// Turns physical PCs into frames the way runtime.Stack prints them: each PC expands into its inlined chain,
/// innermost first, and a return address is looked up at pc-1 (the call instruction), except for a frame
/// interrupted where it stood (a running thread's PC), which is looked up exactly.
/// </summary>
public sealed class StackSymbolizer(GoPclntab table)
{
    public IReadOnlyList<StackFrame> Symbolize(IReadOnlyList<ulong> pcs, bool firstPcIsExact)
    {
        var frames = new List<StackFrame>(pcs.Count * 2);
        for (var i = 0; i < pcs.Count; i++)
        {
            var pc = pcs[i];
            var fn = table.FindFunction(pc);
            var lookup = (i == 0 && firstPcIsExact) || fn is null || pc <= fn.Entry ? pc : pc - 1;
            var chain = table.LookupInlined(lookup);
            for (var k = 0; k < chain.Count; k++)
                frames.Add(new StackFrame(pc, chain[k].Function, chain[k].File, chain[k].Line, Inlined: k != chain.Count - 1, Wrapper: chain[k].Wrapper));
        }
        return frames;
    }

    /// <summary>
    /// The "created by" line of runtime.Stack for a goroutine's gopc: the physical function containing the go
    /// statement, and the file:line of the call (inlined position included).
    /// </summary>
    public StackFrame? CreatedBy(ulong gopc)
    {
        var fn = table.FindFunction(gopc);
        if (fn is null) return null;
        var location = table.Lookup(gopc > fn.Entry ? gopc - 1 : gopc);
        return new StackFrame(gopc, location.Function, location.File, location.Line, false);
    }
}
