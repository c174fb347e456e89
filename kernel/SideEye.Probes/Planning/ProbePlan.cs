using SideEye.Binary.Pclntab;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Layouts;

namespace SideEye.Probes.Planning;

/// <summary>
/// Every number the snapshot program is built from, taken from one binary: runtime.g/m field offsets, status
/// constants, the addresses of runtime.allgs/allglen, text and runtime.goexit bounds (the probe's stand-in for
/// "is this a function" and "stop here"), the uprobe site, and pc→frame-size entries for the few PCs where a
/// walk starts without a frame pointer. Deterministic and kernel-free: the same binary gives the same plan.
/// Addresses are link-time addresses (non-PIE Go executables load there); <see cref="WithLoadBias"/> moves them
/// for a PIE process.
/// </summary>
public sealed record ProbePlan
{
    public const int DefaultMaxFrames = 64;
    public const int MinMaxFrames = 2;
    public const int MaxMaxFrames = 1024;
    /// <summary>
    /// Return addresses the walk keeps beyond <see cref="MaxFrames"/>: the limit counts frames as runtime.Stack shows
    /// them, and the frames it hides (runtime internals, compiler wrappers) are only known to the decoder, which
    /// trims the walk to the limit.
    /// </summary>
    public const int HiddenFrameSlack = 16;
    /// <summary>Bound of the per-goroutine bpf_loop; allglen above it is clamped (and the summary shows it).</summary>
    public const int DefaultMaxGoroutines = 1 << 20;

    public required string BinaryPath { get; init; }
    public required int GSize { get; init; }
    public required GFieldPlan Goid { get; init; }
    public required GFieldPlan Status { get; init; }
    public required GFieldPlan WaitReason { get; init; }
    public required GFieldPlan WaitSince { get; init; }
    public required GFieldPlan SchedPc { get; init; }
    public required GFieldPlan SchedSp { get; init; }
    public required GFieldPlan SchedBp { get; init; }
    public required GFieldPlan SyscallPc { get; init; }
    public required GFieldPlan SyscallSp { get; init; }
    /// <summary>g.syscallbp, Go 1.23+; null before.</summary>
    public required GFieldPlan? SyscallBp { get; init; }
    public required GFieldPlan StackLo { get; init; }
    public required GFieldPlan StackHi { get; init; }
    public required GFieldPlan M { get; init; }
    public required GFieldPlan GoPc { get; init; }
    public required GFieldPlan StartPc { get; init; }
    /// <summary>g.parentGoid, Go 1.21+; null before.</summary>
    public required GFieldPlan? ParentGoid { get; init; }
    public required GFieldPlan Labels { get; init; }
    /// <summary>m.procid: the thread id of the m a goroutine runs on.</summary>
    public required GFieldPlan MProcId { get; init; }

    public required long StatusRunning { get; init; }
    public required long StatusSyscall { get; init; }
    public required long ScanBit { get; init; }
    /// <summary>Bare statuses (scan bit removed) the walk skips: _Gidle, _Gdead and, where present, _Gdeadextra.</summary>
    public required IReadOnlyList<long> SkippedStatuses { get; init; }

    public required ulong AllGs { get; init; }
    public required ulong AllGLen { get; init; }
    /// <summary>[TextStart, TextEnd): a return address outside it ends a walk (the reference asks FindFunction).</summary>
    public required ulong TextStart { get; init; }
    public required ulong TextEnd { get; init; }
    public required ulong GoexitStart { get; init; }
    public required ulong GoexitEnd { get; init; }

    /// <summary>runtime.systemstack_switch: g.sched.pc points into it while the goroutine's thread runs on g0 inside runtime.systemstack.</summary>
    public required ulong SystemstackSwitchStart { get; init; }
    public required ulong SystemstackSwitchEnd { get; init; }

    /// <summary>
    /// Bytes from sp the probe sends for a goroutine running on its own stack (see RecordLayout's thread-stack
    /// record): they must hold the return address at sp + frame size wherever the frame pointer is not yet (or
    /// no longer) set up. From Go 1.21 the prologue is PUSHQ BP; MOVQ SP, BP first and the epilogue's last step
    /// POPQ BP, so that frame size is 0 or 8; before, SUBQ $n comes first and it can be the whole frame.
    /// </summary>
    public required int StackWindowBytes { get; init; }

    public required ulong SigtrampAddress { get; init; }
    public required ulong SigtrampFileOffset { get; init; }

    /// <summary>
    /// pcsp frame size at each return site of a call to runtime.entersyscall/entersyscallblock: before Go 1.23
    /// a goroutine in a syscall has no saved BP, so the probe finds the caller's BP at syscallsp + delta - 8.
    /// Static: loaded with the program, never changed during a pause.
    /// </summary>
    public required IReadOnlyDictionary<ulong, int> SyscallSpDeltas { get; init; }

    /// <summary>How runtime/pprof keeps a goroutine's labels in this binary (what g.labels points to).</summary>
    public required PprofLabelsLayout LabelsLayout { get; init; }
    /// <summary>Where the label map's entries are when <see cref="LabelsLayout"/> is StringMap; null otherwise.</summary>
    public required PprofLabelMapLayout? LabelMap { get; init; }

    /// <summary>What <see cref="WithLoadBias"/> added to every address (0: link-time addresses).</summary>
    public ulong LoadBias { get; init; }

    /// <summary>Frames kept per goroutine, counted as runtime.Stack shows them.</summary>
    public int MaxFrames { get; init; } = DefaultMaxFrames;
    /// <summary>Return addresses the probe keeps per goroutine: the frame limit and the slack for hidden frames.</summary>
    public int WalkFrames => WalkFramesFor(MaxFrames);

    /// <summary>Return addresses the probe keeps for a limit of <paramref name="maxFrames"/> shown frames.</summary>
    public static int WalkFramesFor(int maxFrames) => maxFrames + HiddenFrameSlack;
    public int MaxGoroutines { get; init; } = DefaultMaxGoroutines;
    public uint RingBufferBytes { get; init; } = 16 << 20;
    public int MaxThreads { get; init; } = 4096;
    /// <summary>
    /// How long after its start the probe may still fault pages in to read memory that is not resident (see
    /// Codegen.MissedReads); 0: such reads stay unread and the program is not sleepable (kernels before 6.0).
    /// </summary>
    public long FaultBudgetNs { get; init; }

    public static ProbePlan Create(GoBinary binary, int maxFrames = DefaultMaxFrames)
    {
        if (maxFrames is < MinMaxFrames or > MaxMaxFrames) throw new ArgumentOutOfRangeException(nameof(maxFrames), maxFrames, $"between {MinMaxFrames} and {MaxMaxFrames}");
        var model = binary.Runtime;
        var layout = model.Layout;
        GFieldPlan G(string path) => Field("g." + path, layout.G(path));
        GFieldPlan? OptionalG(string path) => layout.TryGet("g." + path) is { } f ? Field("g." + path, f) : null;

        var table = binary.Pclntab;
        var functions = table.Functions;
        var goexit = Function(table, "runtime.goexit");
        var sigtramp = Function(table, "runtime.sigtramp");
        var systemstackSwitch = Function(table, "runtime.systemstack_switch");
        var statuses = model.Statuses;

        return new ProbePlan
        {
            BinaryPath = binary.Path,
            GSize = layout.GSize,
            Goid = G("goid"),
            Status = G("atomicstatus"),
            WaitReason = G("waitreason"),
            WaitSince = G("waitsince"),
            SchedPc = G("sched.pc"),
            SchedSp = G("sched.sp"),
            SchedBp = G("sched.bp"),
            SyscallPc = G("syscallpc"),
            SyscallSp = G("syscallsp"),
            SyscallBp = OptionalG("syscallbp"),
            StackLo = G("stack.lo"),
            StackHi = G("stack.hi"),
            M = G("m"),
            GoPc = G("gopc"),
            StartPc = G("startpc"),
            ParentGoid = OptionalG("parentGoid"),
            Labels = G("labels"),
            MProcId = Field("m.procid", layout.M("procid")),
            StatusRunning = statuses.Running,
            StatusSyscall = statuses.Syscall,
            ScanBit = statuses.ScanBit,
            SkippedStatuses = statuses.NotLive,
            AllGs = model.Variables.AllGs,
            AllGLen = model.Variables.AllGLen,
            TextStart = functions.Min(f => f.Entry),
            TextEnd = functions.Max(f => f.End),
            GoexitStart = goexit.Entry,
            GoexitEnd = goexit.End,
            SystemstackSwitchStart = systemstackSwitch.Entry,
            SystemstackSwitchEnd = systemstackSwitch.End,
            StackWindowBytes = binary.Version.AtLeast(1, 21) ? 64 : 1024,
            SigtrampAddress = sigtramp.Entry,
            SigtrampFileOffset = (ulong)(binary.Image.FileOffsetOf(sigtramp.Entry)
                ?? throw new SideEyeException($"{binary.Path}: runtime.sigtramp at 0x{sigtramp.Entry:x} is in no loadable segment")),
            SyscallSpDeltas = SyscallReturnSites(binary),
            LabelsLayout = model.Labels.Layout,
            LabelMap = model.Labels is { Layout: PprofLabelsLayout.StringMap, Map: { } map, MinTopHash: { } minTopHash }
                ? PprofLabelMapLayout.Create(map, minTopHash, binary.Path) : null,
            MaxFrames = maxFrames,
        };
    }

    /// <summary>
    /// The plan for one process that mapped the binary <paramref name="bias"/> bytes away from its link-time
    /// addresses (a PIE; see GoRuntime.Memory.LoadBias): every address the probe compares or reads moves; the
    /// uprobe's file offset does not.
    /// </summary>
    public ProbePlan WithLoadBias(ulong bias)
    {
        var delta = bias - LoadBias;
        if (delta == 0) return this;
        return this with
        {
            LoadBias = bias,
            AllGs = AllGs + delta,
            AllGLen = AllGLen + delta,
            TextStart = TextStart + delta,
            TextEnd = TextEnd + delta,
            GoexitStart = GoexitStart + delta,
            GoexitEnd = GoexitEnd + delta,
            SystemstackSwitchStart = SystemstackSwitchStart + delta,
            SystemstackSwitchEnd = SystemstackSwitchEnd + delta,
            SigtrampAddress = SigtrampAddress + delta,
            SyscallSpDeltas = SyscallSpDeltas.ToDictionary(kv => kv.Key + delta, kv => kv.Value),
        };
    }

    static GFieldPlan Field(string name, FieldLocation f) =>
        f.Size is 1 or 2 or 4 or 8 ? new GFieldPlan(name, f.Offset, f.Size)
            : throw new SideEyeException($"runtime field {name} is {f.Size} bytes ({f.TypeName}); the probe reads 1, 2, 4 or 8");

    static GoFunction Function(GoPclntab table, string name) =>
        table.Functions.FirstOrDefault(f => f.Name == name) ?? throw new SideEyeException($"pclntab has no {name}");

    /// <summary>
    /// Finds direct calls (E8 rel32) to runtime.entersyscall and runtime.entersyscallblock by scanning each
    /// function's bytes; the return address after each is a possible g.syscallpc. A stray E8 byte that happens
    /// to decode to the same target only adds a harmless map entry.
    /// </summary>
    static Dictionary<ulong, int> SyscallReturnSites(GoBinary binary)
    {
        var table = binary.Pclntab;
        var targets = table.Functions.Where(f => f.Name is "runtime.entersyscall" or "runtime.entersyscallblock").Select(f => f.Entry).ToHashSet();
        var result = new Dictionary<ulong, int>();
        var bytes = binary.Image.FileBytes.Span;
        foreach (var f in table.Functions)
        {
            if (binary.Image.FileOffsetOf(f.Entry) is not { } start) continue;
            var length = (long)(f.End - f.Entry);
            if (start + length > bytes.Length) continue;
            var code = bytes.Slice((int)start, (int)length);
            for (var i = 0; i + 5 <= code.Length; i++)
            {
                if (code[i] != 0xE8) continue;
                var ret = f.Entry + (ulong)i + 5;
                var target = (ulong)((long)ret + System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(code[(i + 1)..]));
                if (!targets.Contains(target)) continue;
                var delta = table.SpDelta(ret);
                if (delta >= 0) result[ret] = delta;
            }
        }
        return result;
    }
}
