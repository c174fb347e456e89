using SideEye.Binary.Dwarf;

namespace SideEye.GoRuntime.Layouts;

/// <summary>
/// The runtime's goroutine status constants (runtime._Gidle … _Gscan) as the binary's DWARF (or its release's layout data) declares them:
/// releases add states (Go 1.26 has _Gleaked and _Gdeadextra), so none is assumed.
/// </summary>
public sealed class GoroutineStatuses
{
    const string Prefix = "runtime._G";
    static readonly string[] Required = ["_Gidle", "_Grunnable", "_Grunning", "_Gsyscall", "_Gwaiting", "_Gdead", "_Gscan"];

    readonly Dictionary<long, string> _names;

    GoroutineStatuses(IReadOnlyDictionary<string, long> byName)
    {
        ByName = byName;
        _names = byName.Where(kv => !kv.Key.StartsWith("_Gscan", StringComparison.Ordinal) || kv.Key == "_Gscan")
                       .GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.First().Key);
    }

    /// <summary>Constant name without the package ("_Grunning") to value.</summary>
    public IReadOnlyDictionary<string, long> ByName { get; }
    public long Idle => ByName["_Gidle"];
    public long Runnable => ByName["_Grunnable"];
    public long Running => ByName["_Grunning"];
    public long Syscall => ByName["_Gsyscall"];
    public long Waiting => ByName["_Gwaiting"];
    public long Dead => ByName["_Gdead"];
    /// <summary>The bit the garbage collector ORs into a status while it scans the stack.</summary>
    public long ScanBit => ByName["_Gscan"];

    /// <summary>
    /// Bare statuses of allgs entries that are no goroutine (yet or any more): _Gidle, _Gdead and, where the
    /// release has it, _Gdeadextra. Readers of allgs skip these.
    /// </summary>
    public IReadOnlyList<long> NotLive => _notLive ??=
        ByName.TryGetValue("_Gdeadextra", out var extra) ? [Idle, Dead, extra] : [Idle, Dead];
    IReadOnlyList<long>? _notLive;

    /// <summary>True if a raw atomicstatus (scan bit allowed) is one of <see cref="NotLive"/>.</summary>
    public bool IsLive(long status) => !NotLive.Contains(status & ~ScanBit);

    /// <summary>"running", "waiting", … for a raw atomicstatus value, with the scan bit removed.</summary>
    public string Describe(long status)
    {
        var bare = status & ~ScanBit;
        var name = _names.TryGetValue(bare, out var n) ? n[2..] : $"status{bare}";
        return name.ToLowerInvariant();
    }

    public static GoroutineStatuses Read(DwarfData dwarf, string file) =>
        FromConstants(dwarf.Constants
            .Where(c => c.Key.StartsWith(Prefix, StringComparison.Ordinal)
                        && !c.Key.StartsWith("runtime._GC", StringComparison.Ordinal) && !c.Key.StartsWith("runtime._Goid", StringComparison.Ordinal))
            .ToDictionary(c => c.Key["runtime.".Length..], c => c.Value, StringComparer.Ordinal), $"{file}: DWARF");

    /// <param name="byName">Constant name without the package ("_Grunning") to value.</param>
    /// <param name="source">What the constants came from, for the error ("FILE: DWARF").</param>
    public static GoroutineStatuses FromConstants(IReadOnlyDictionary<string, long> byName, string source)
    {
        foreach (var required in Required)
            if (!byName.ContainsKey(required))
                throw new SideEyeException($"{source} has no constant runtime.{required}");
        return new GoroutineStatuses(byName);
    }
}
