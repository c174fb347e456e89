using SideEye.GoRuntime;
using SideEye.GoRuntime.Goroutines;
using SideEye.GoRuntime.Stacks;
using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Decoding;

/// <summary>
/// Turns what a collector read about one goroutine (its runtime.g fields and physical PCs) into the record
/// the store keeps: status and wait reason as runtime.Stack words them, frames with inlined calls expanded
/// as runtime.Stack prints them (runtime-internal frames and wrappers kept, and marked as runtime.Stack would show
/// them or not), at most <paramref name="maxFrames"/> shown frames (runtime.Stack's count, which the probe cannot
/// make), creator and start function.
/// </summary>
public sealed class GoroutineDecoder(GoBinary binary, int maxFrames = int.MaxValue)
{
    readonly StackSymbolizer _symbolizer = new(binary.Pclntab);

    public GoroutineRecord Decode(GoroutineState g, IReadOnlyList<ulong> pcs, bool firstPcIsExact, bool truncated = false, IReadOnlyDictionary<string, string>? labels = null)
    {
        var model = binary.Runtime;
        var symbolized = _symbolizer.Symbolize(pcs, firstPcIsExact);
        var shown = RuntimeStackFilter.ShownFlags(symbolized);
        var (keep, cut) = RuntimeStackFilter.Limit(shown, maxFrames);
        var frames = new Model.StackFrame[keep];
        for (var i = 0; i < keep; i++)
        {
            var f = symbolized[i];
            frames[i] = new Model.StackFrame(f.Pc, f.Function, f.File, f.Line, f.Inlined, f.Wrapper, shown[i]);
        }
        truncated |= cut;
        var creator = g.GoPc != 0 ? _symbolizer.CreatedBy(g.GoPc) : null;
        var start = g.StartPc != 0 ? binary.Pclntab.FindFunction(g.StartPc) : null;
        return new GoroutineRecord(
            g.Goid,
            model.Statuses.Describe(g.Status),
            GoroutineDescriber.WaitReason(g, model),
            g.WaitSince > 0 ? g.WaitSince : null,
            g.ThreadId,
            g.ParentGoid is > 0 ? g.ParentGoid : null,
            creator?.Function,
            start?.Name,
            frames,
            labels,
            truncated);
    }
}
