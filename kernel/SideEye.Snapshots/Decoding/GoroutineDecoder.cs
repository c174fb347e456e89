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
    readonly DecodedStacks _stacks = new();
    // Goroutines started by one go statement share its creator and start function: looked up once each.
    readonly Dictionary<ulong, string?> _creators = [];
    readonly Dictionary<ulong, string?> _starts = [];

    public GoroutineRecord Decode(GoroutineState g, IReadOnlyList<ulong> pcs, bool firstPcIsExact, bool truncated = false, IReadOnlyDictionary<string, string>? labels = null)
    {
        var model = binary.Runtime;
        var (frames, cut) = _stacks.Get(pcs, firstPcIsExact, () => Frames(pcs, firstPcIsExact));
        truncated |= cut;
        // The main goroutine is started by the runtime's bootstrap, which runtime.Stack never names (printcreatedby skips goid 1).
        var creator = g.GoPc == 0 || g.Goid == 1 ? null : Remembered(_creators, g.GoPc, pc => _symbolizer.CreatedBy(pc)?.Function);
        var start = g.StartPc == 0 ? null : Remembered(_starts, g.StartPc, pc => binary.Pclntab.FindFunction(pc)?.Name);
        return new GoroutineRecord(
            g.Goid,
            model.Statuses.Describe(g.Status),
            GoroutineDescriber.WaitReason(g, model),
            g.WaitSince > 0 ? g.WaitSince : null,
            g.ThreadId,
            g.ParentGoid is > 0 ? g.ParentGoid : null,
            creator,
            start,
            frames,
            labels,
            truncated);
    }

    static string? Remembered(Dictionary<ulong, string?> known, ulong pc, Func<ulong, string?> lookup)
    {
        lock (known)
        {
            if (known.TryGetValue(pc, out var name)) return name;
            if (known.Count >= DecodedStacks.MaxStacks) known.Clear();
            return known[pc] = lookup(pc);
        }
    }

    (Model.StackFrame[] Frames, bool Cut) Frames(IReadOnlyList<ulong> pcs, bool firstPcIsExact)
    {
        var symbolized = _symbolizer.Symbolize(pcs, firstPcIsExact);
        var shown = RuntimeStackFilter.ShownFlags(symbolized);
        var (keep, cut) = RuntimeStackFilter.Limit(shown, maxFrames);
        var frames = new Model.StackFrame[keep];
        for (var i = 0; i < keep; i++)
        {
            var f = symbolized[i];
            frames[i] = new Model.StackFrame(f.Pc, f.Function, f.File, f.Line, f.Inlined, f.Wrapper, shown[i]);
        }
        return (frames, cut);
    }
}
