using SideEye.GoRuntime.Layouts;

namespace SideEye.GoRuntime.Goroutines;

/// <summary>
/// Checks that goroutines read through a runtime model that did not come from the binary's own DWARF (shipped layout
/// data, globals found in machine code) look like goroutines of a live Go runtime, before anything is shown: a wrong
/// layout gives garbage that must be refused, never displayed. What holds for every live process: goroutine 1 (main)
/// is there; ids are positive, small and unique; statuses are ones the release declares; every stack has ordered,
/// bounded bounds; a parked goroutine's saved stack pointer lies within its stack.
/// </summary>
public static class RuntimePlausibility
{
    /// <summary>Goroutine stacks never reach this (the runtime's default maximum is 1 GB).</summary>
    const ulong MaxStackBytes = 1UL << 31;
    /// <summary>Goroutine ids are handed out one by one (in per-P batches): far below this in any real process.</summary>
    const long MaxGoid = 1L << 48;

    /// <summary>Why the goroutines cannot be right, in a few words; null when they pass every check.</summary>
    public static string? Check(IEnumerable<GoroutineState> goroutines, GoroutineStatuses statuses)
    {
        var known = statuses.ByName.Values.Where(v => (v & statuses.ScanBit) == 0).ToHashSet();
        var seen = new HashSet<long>();
        var count = 0;
        foreach (var g in goroutines)
        {
            count++;
            var status = g.Status & ~statuses.ScanBit;
            if (g.Goid is <= 0 or > MaxGoid) return $"goroutine id {g.Goid} of the g at 0x{g.Address:x}";
            if (!seen.Add(g.Goid)) return $"goroutine id {g.Goid} twice";
            if (!known.Contains(status)) return $"status {g.Status} of goroutine {g.Goid}, which this release does not declare";
            if (g.StackLo == 0 || g.StackHi <= g.StackLo || g.StackHi - g.StackLo > MaxStackBytes)
                return $"stack [0x{g.StackLo:x}, 0x{g.StackHi:x}) of goroutine {g.Goid}";
            // A running goroutine's saved registers are stale; every other live one saved them on its own stack.
            if (status != statuses.Running && (g.SchedSp < g.StackLo || g.SchedSp > g.StackHi))
                return $"saved stack pointer 0x{g.SchedSp:x} outside the stack [0x{g.StackLo:x}, 0x{g.StackHi:x}) of goroutine {g.Goid}";
        }
        if (count == 0) return "no live goroutine in runtime.allgs";
        return seen.Contains(1) ? null : "no goroutine 1 (main)";
    }

    /// <summary>Throws the one-line refusal when <paramref name="goroutines"/> fail <see cref="Check"/> for a model not from DWARF.</summary>
    public static void Ensure(IEnumerable<GoroutineState> goroutines, GoRuntimeModel model, string binaryPath, string version)
    {
        if (model.Origin.FromDwarf || Check(goroutines, model.Statuses) is not { } failure) return;
        throw new SideEyeException(
            $"{binaryPath}: {version} read through {model.Origin} does not look like a Go runtime ({failure}); " +
            "refusing to show it: give the binary's debug info (--debug-dir, debuginfod)");
    }
}
