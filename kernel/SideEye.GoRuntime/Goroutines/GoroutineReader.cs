using SideEye.GoRuntime.Layouts;
using SideEye.GoRuntime.Memory;

namespace SideEye.GoRuntime.Goroutines;

/// <summary>
/// Reads every goroutine of a target through an <see cref="IMemoryReader"/>, following runtime.allgs the way
/// the runtime's forEachG does. This is the reference the BPF probe is checked against, and a slow path for
/// targets where BPF is unavailable. Dead goroutines (kept in allgs for reuse) are skipped.
/// </summary>
public sealed class GoroutineReader(GoRuntimeModel model, IMemoryReader memory, ulong loadBias = 0)
{
    /// <summary>Refuses absurd counts from a torn or corrupt read instead of allocating them.</summary>
    const long MaxGoroutines = 50_000_000;

    public IReadOnlyList<GoroutineState> ReadAll()
    {
        var allgs = model.Variables.AllGs + loadBias;
        var array = memory.ReadU64(allgs) ?? throw Unreadable("runtime.allgs", allgs);
        var count = (long)(memory.ReadU64(model.Variables.AllGLen + loadBias) ?? throw Unreadable("runtime.allglen", model.Variables.AllGLen + loadBias));
        if (count < 0 || count > MaxGoroutines) throw new SideEyeException($"runtime.allglen is {count}: not a plausible goroutine count");

        var result = new List<GoroutineState>((int)Math.Min(count, 100_000));
        for (long i = 0; i < count; i++)
        {
            var g = memory.ReadU64(array + (ulong)(8 * i)) ?? throw Unreadable($"runtime.allgs[{i}]", array + (ulong)(8 * i));
            if (g == 0) continue;
            var state = Read(g);
            if (state is not null && model.Statuses.IsLive(state.Status)) result.Add(state);
        }
        return result;
    }

    /// <summary>Reads one g; null if its memory is unreadable (freed between reads of a live target).</summary>
    public GoroutineState? Read(ulong g)
    {
        var layout = model.Layout;
        var buffer = new byte[layout.GSize];
        if (!memory.TryRead(g, buffer)) return null;
        ulong Field(string path) => Get(buffer, layout.G(path));
        ulong? Optional(string path) => layout.TryGet("g." + path) is { } f ? Get(buffer, f) : null;

        var m = Field("m");
        int? threadId = null;
        if (m != 0 && memory.ReadU64(m + (ulong)layout.M("procid").Offset) is { } procid && procid is > 0 and < int.MaxValue)
            threadId = (int)procid;
        return new GoroutineState(
            g, (long)Field("goid"), (long)Field("atomicstatus"), (int)Field("waitreason"), (long)Field("waitsince"),
            Field("sched.pc"), Field("sched.sp"), Field("sched.bp"),
            Field("syscallpc"), Field("syscallsp"), Optional("syscallbp") ?? 0,
            Field("stack.lo"), Field("stack.hi"), m, threadId,
            Field("gopc"), Field("startpc"), (long?)Optional("parentGoid"), Field("labels"));
    }

    static ulong Get(byte[] g, FieldLocation f) => f.Size switch
    {
        1 => g[f.Offset],
        2 => BitConverter.ToUInt16(g, f.Offset),
        4 => BitConverter.ToUInt32(g, f.Offset),
        _ => BitConverter.ToUInt64(g, f.Offset),
    };

    static SideEyeException Unreadable(string what, ulong address) => new($"cannot read {what} at 0x{address:x}");
}
