using SideEye.Binary.Dwarf;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Memory;
using SideEye.GoRuntime.Stacks;
using SideEye.Loader.Contract;
using SideEye.Probes.Records;
using SideEye.Probes.Specs;

namespace SideEye.Probes.Capture;

/// <summary>
/// Turns a run's capture records into values: the copied blocks become one sparse memory, and each captured frame's
/// expressions are evaluated there with DWARF types, exactly as a live reader would (the probe only decided what
/// to copy). Where a variable is, and whether it can be trusted, is decided again from the location lists at the
/// frame's pc: registers only in the innermost frame of a goroutine whose thread was stopped (and only once that
/// frame is set up), never guessed.
/// </summary>
public sealed class CaptureDecoder
{
    /// <summary>Evaluates an expression from its root's bytes (and address when it has one) over memory; a package variable's root is null (read at its address).</summary>
    public delegate (string? Json, string? Unavailable) Evaluator(ResolvedCapture capture, byte[]? root, ulong? rootAddress, IMemoryReader memory);

    readonly CapturePlan _plan;
    readonly GoBinary _binary;
    readonly DwarfData _dwarf;
    readonly StackSymbolizer _symbolizer;
    readonly Dictionary<string, IReadOnlyList<CaptureSite>> _sites = new(StringComparer.Ordinal);

    public CaptureDecoder(CapturePlan plan, GoBinary binary)
    {
        _plan = plan;
        _binary = binary;
        _dwarf = binary.Dwarf ?? throw new SideEyeException(binary.NoDwarf!);
        _symbolizer = new StackSymbolizer(binary.Pclntab);
    }

    public (IReadOnlyList<CapturedFrameValue> Values, CaptureStats? Stats) Decode(SnapshotResult result, ulong loadBias,
        Func<IReadOnlyList<(ulong Address, byte[] Bytes)>, IMemoryReader> memoryOf, Evaluator evaluate)
    {
        var (blocks, frames, stats) = CaptureBatch.Parse(result.CaptureBatches);
        var memory = memoryOf(blocks);
        var goroutines = result.Goroutines.GroupBy(g => g.State.Goid).ToDictionary(g => g.Key, g => g.First());
        var threads = result.Raw.Threads.ToDictionary(t => (ulong)t.Tid, t => t.Registers);
        var globals = new Dictionary<int, (string?, string?)>();
        var values = new List<CapturedFrameValue>();
        foreach (var frame in frames)
        {
            if (!goroutines.TryGetValue(frame.Goid, out var g) || frame.Plan < 0 || frame.Plan >= _plan.FramePlans.Count) continue;
            var pc = frame.Pc - loadBias;
            var physical = PhysicalIndex(g, frame.Index, pc);
            if (physical < 0) continue;
            var running = frame.HadRegisters && physical == 0 && !g.Flags.HasFlag(GoroutineFlags.OnSystemStack);
            var lookup = physical == 0 && frame.HadRegisters ? pc : pc - 1;
            ThreadRegisters? registers = running && g.State.ThreadId is { } tid && threads.TryGetValue((ulong)tid, out var r) ? r : null;
            // The probe took a running frame's CFA from bp; the pcsp table says where it really is (a frameless
            // leaf, a prologue or epilogue differ). Registers are right either way; stack slots only if the two agree.
            var stackUsable = !running || TrueCfa(pc, registers) == frame.Cfa;
            var decoded = _symbolizer.Symbolize(g.Pcs, firstPcIsExact: frame.HadRegisters);
            foreach (var root in _plan.FramePlans[frame.Plan].Roots)
            {
                var e = _plan.Expressions[root.Expression];
                var depth = DepthOf(decoded, physical, e.Function);
                if (depth < 0) continue;
                (string? Json, string? Unavailable) value;
                if (e.IsGlobal)
                {
                    if (!globals.TryGetValue(e.Id, out value)) globals[e.Id] = value = Safely(e, () => evaluate(e.Capture, null, null, memory));
                }
                else value = Safely(e, () => Local(e, lookup, lookup != pc, running, frame.Cfa, stackUsable, registers, memory, evaluate));
                values.Add(new CapturedFrameValue(frame.Goid, depth, e.Function, e.Text, e.Capture.TypeName, value.Json, value.Unavailable));
            }
        }
        return (values, stats);
    }

    (string?, string?) Local(PlannedExpression e, ulong pc, bool atReturn, bool innermost, ulong cfa, bool stackUsable, ThreadRegisters? registers, IMemoryReader memory, Evaluator evaluate)
    {
        var site = SitesOf(e.Site).FirstOrDefault(s => s.Contains(pc));
        if (site is null || CaptureIntervals.VariableAt(site, e) is not { } variable) return (null, "optimized away");
        var location = atReturn
            ? CaptureLocator.LocateDuringCall(variable, pc + 1, site.Container.Unit)
            : CaptureLocator.Locate(variable, pc, innermost && registers is not null, site.Container.Unit);
        if (!location.IsAvailable) return (null, location.Unavailable);
        if (!stackUsable && location.Pieces.Any(p => p.Kind == CapturePieceKind.Stack))
            return (null, "not available at pc: the running function's frame is not set up there (prologue or epilogue)");
        var size = (int)Math.Clamp(e.Path.RootType.Size, 0, CaptureRoot.MaxBytes);
        var bytes = new List<byte>(size);
        ulong? address = location.Pieces.Count == 1 && location.Pieces[0].Kind == CapturePieceKind.Stack ? cfa + (ulong)location.Pieces[0].CfaOffset : null;
        foreach (var piece in location.Pieces)
        {
            var n = piece.Size > 0 ? piece.Size : size - bytes.Count;
            if (n <= 0) break;
            var chunk = new byte[n];
            if (piece.Kind == CapturePieceKind.Stack)
            {
                if (!memory.TryRead(cfa + (ulong)piece.CfaOffset, chunk)) return (null, "not captured: its stack slot was not copied");
            }
            else
            {
                var general = registers!.Value.General;
                if (piece.Register is < 0 or >= GeneralRegisters.Count) return (null, $"not available at pc: in register {piece.Register}, which is not a general register");
                BitConverter.GetBytes(general[piece.Register]).AsSpan(0, Math.Min(8, n)).CopyTo(chunk);
            }
            bytes.AddRange(chunk);
        }
        return evaluate(e.Capture, bytes.ToArray(), address, memory);
    }

    /// <summary>One value that cannot be decoded (a shape the decoder does not know) is that value's problem, not the snapshot's.</summary>
    static (string?, string?) Safely(PlannedExpression e, Func<(string?, string?)> decode)
    {
        try { return decode(); }
        catch (Exception x) when (x is not OutOfMemoryException)
        {
            return (null, $"could not be decoded: {x.Message}");
        }
    }

    /// <summary>
    /// The frame's index in the goroutine's final pcs: the probe's own index, or one further when the decoder put a
    /// running function's caller back (RunningCallerFixup); -1 when neither holds the pc.
    /// </summary>
    static int PhysicalIndex(GoroutineRecord g, int index, ulong pc)
    {
        if (index < g.Pcs.Count && g.Pcs[index] == pc) return index;
        if (index + 1 < g.Pcs.Count && g.Pcs[index + 1] == pc) return index + 1;
        return -1;
    }

    /// <summary>Depth in the decoded stack of <paramref name="function"/>'s frame within physical frame <paramref name="physical"/>.</summary>
    static int DepthOf(IReadOnlyList<GoRuntime.Stacks.StackFrame> frames, int physical, string function)
    {
        var p = 0;
        for (var d = 0; d < frames.Count; d++)
        {
            if (p == physical && GenericNames.SameFunction(frames[d].Function, function)) return d;
            if (!frames[d].Inlined) p++;
            if (p > physical) break;
        }
        return -1;
    }

    /// <summary>A running function's CFA from the pcsp table: sp + frame size at pc + the return address.</summary>
    ulong? TrueCfa(ulong pc, ThreadRegisters? registers)
    {
        if (registers is not { } r) return null;
        var delta = _binary.Pclntab.SpDelta(pc);
        return delta < 0 ? null : r.Sp + (ulong)delta + 8;
    }

    IReadOnlyList<CaptureSite> SitesOf(string function)
    {
        if (!_sites.TryGetValue(function, out var sites)) _sites[function] = sites = CaptureSite.Find(_dwarf, function);
        return sites;
    }
}
