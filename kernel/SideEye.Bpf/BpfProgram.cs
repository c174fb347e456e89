using System.Text;
using SideEye.Bpf.Asm;
using SideEye.Bpf.Btf;
using SideEye.Bpf.Internal.Linux;
using SideEye.Bpf.Internal.Sys;

namespace SideEye.Bpf;

/// <summary>A verified program loaded in the kernel (BPF_PROG_LOAD).</summary>
public sealed unsafe class BpfProgram : IDisposable
{
    /// <summary>First verifier log buffer; grown (up to <see cref="MaxLogSize"/>) while the kernel says it is too small.</summary>
    public const int InitialLogSize = 64 * 1024;
    public const int MaxLogSize = 16 * 1024 * 1024;
    /// <summary>Log buffer of the first attempt, which asks only for the verifier's statistics (a few short lines).</summary>
    const int StatsLogSize = 4096;
    const uint SleepableFlag = 1u << 4; // BPF_F_SLEEPABLE
    const uint LogLevelVerbose = 1, LogLevelStats = 4; // BPF_LOG_LEVEL1, BPF_LOG_STATS

    readonly FdHandle _fd;

    public ProgramSpec Spec { get; }
    /// <summary>What the verifier spent on this program (null only if the kernel printed no statistics).</summary>
    public VerifierStats? Stats { get; }
    public string Name => Spec.Name;
    public int Fd => _fd.Value;
    internal FdHandle Handle => _fd;

    BpfProgram(ProgramSpec spec, FdHandle fd, VerifierStats? stats) { Spec = spec; _fd = fd; Stats = stats; }

    /// <summary>
    /// Loads the program. Map names in 64-bit loads are resolved through <paramref name="maps"/>. The first attempt asks
    /// the verifier only for its statistics (<see cref="Stats"/>), which keeps loads fast; on failure the load is
    /// repeated with the full verifier log, so the error carries the verifier's explanation.
    /// </summary>
    public static BpfProgram Load(ProgramSpec spec, IReadOnlyDictionary<string, BpfMap>? maps = null)
    {
        var assembled = spec.Instructions.Assemble()
            // The fd goes in the low half; a map value load keeps its offset in the high half (the second slot's imm).
            .Select(i => i.MapName is null ? i : i with { MapName = null, Constant = (i.Constant & ~0xffffffffL) | (uint)ResolveMap(spec, maps, i.MapName) })
            .ToList();
        var code = Instructions.Encode(assembled);
        var btfId = spec.AttachBtfId != 0 ? spec.AttachBtfId : ResolveAttachTo(spec);

        // Subprograms (bpf-to-bpf calls, callbacks) need BTF func_info; the kernel keeps its own reference to the BTF.
        var functions = Functions(spec);
        using var btf = functions.Count > 1 ? FuncInfoBtf.Load(FuncInfoBtf.Build(functions.Select(f => (f.Name, f.GlobalArgs)).ToList()), $"func_info for program '{spec.Name}'") : null;
        var funcInfo = btf is null ? null : functions.Select((f, i) => new FuncInfo { InsnOff = (uint)f.Slot, TypeId = FuncInfoBtf.FuncTypeId(i) }).ToArray();
        var ext = new Extras(btf?.Value ?? 0, funcInfo);

        var statsLog = new byte[StatsLogSize];
        var r = TryLoad(spec, code, btfId, ext, statsLog, LogLevelStats, out _);
        if (r >= 0) return new BpfProgram(spec, new FdHandle(r), VerifierStats.Parse(SplitLog(statsLog)));

        var firstErrno = -r;
        var logSize = InitialLogSize;
        while (true)
        {
            var log = new byte[logSize];
            r = TryLoad(spec, code, btfId, ext, log, LogLevelVerbose | LogLevelStats, out var trueSize);
            if (r >= 0) return new BpfProgram(spec, new FdHandle(r), VerifierStats.Parse(SplitLog(log))); // passed the second time (e.g. a transient EAGAIN)
            var errno = -r;
            var truncated = errno == Errno.ENOSPC;
            if (truncated && logSize < MaxLogSize)
            {
                logSize = (int)Math.Min(MaxLogSize, Math.Max((long)logSize * 4, trueSize));
                continue;
            }
            var lines = SplitLog(log);
            if (lines.Count == 0)
                throw new BpfException("BPF_PROG_LOAD", truncated ? firstErrno : errno, $"{spec.Type} program '{spec.Name}' ({assembled.Sum(i => i.Width)} insns)");
            throw new VerifierException(spec.Name, truncated ? firstErrno : errno, lines, truncated);
        }
    }

    /// <summary>BTF fd and func_info for programs with subprograms.</summary>
    sealed record Extras(int BtfFd, FuncInfo[]? FuncInfo);

    /// <summary>
    /// The main program at slot 0 plus every label a bpf-to-bpf call or function pointer targets and every global
    /// function, in program order, with the argument count of the global ones.
    /// </summary>
    static List<(string Name, int Slot, int? GlobalArgs)> Functions(ProgramSpec spec)
    {
        var targets = spec.Instructions
            .Where(i => i.Reference is not null && (i.IsLoadImm64 || (i.Class == OpClass.Jmp && (i.OpCode & 0xf0) == (byte)JumpOp.Call)))
            .Select(i => i.Reference!)
            .ToHashSet(StringComparer.Ordinal);
        var globals = spec.Instructions.Where(i => i.GlobalArgs is not null).ToDictionary(i => i.Label!, i => i.GlobalArgs, StringComparer.Ordinal);
        targets.UnionWith(globals.Keys);
        var result = new List<(string, int, int?)> { (spec.Name, 0, null) };
        if (targets.Count == 0) return result;
        var slots = spec.Instructions.LabelSlots();
        if (globals.Keys.FirstOrDefault(g => slots[g] == 0) is { } first)
            throw new ArgumentException($"program '{spec.Name}' starts with global function '{first}': the entry point must be static");
        result.AddRange(targets.Select(t => (t, slots[t], globals.GetValueOrDefault(t))).Where(f => f.Item2 != 0).OrderBy(f => f.Item2));
        return result;
    }

    static int TryLoad(ProgramSpec spec, byte[] code, uint btfId, Extras ext, byte[] log, uint logLevel, out uint logTrueSize)
    {
        var license = Encoding.ASCII.GetBytes(spec.License + "\0");
        fixed (byte* insns = code) fixed (byte* lic = license) fixed (byte* logBuf = log) fixed (FuncInfo* fi = ext.FuncInfo)
        {
            var attr = new ProgLoadAttr
            {
                ProgType = (uint)spec.Type,
                InsnCnt = (uint)(code.Length / 8),
                Insns = (ulong)insns,
                License = (ulong)lic,
                ExpectedAttachType = spec.AttachType is { } a ? (uint)a : 0,
                AttachBtfId = btfId,
                ProgFlags = spec.Sleepable ? SleepableFlag : 0,
            };
            Internal.Sys.Bpf.WriteName(attr.ProgName, spec.Name);
            if (ext.FuncInfo is not null)
            {
                attr.ProgBtfFd = (uint)ext.BtfFd;
                attr.FuncInfo = (ulong)fi;
                attr.FuncInfoCnt = (uint)ext.FuncInfo.Length;
                attr.FuncInfoRecSize = (uint)sizeof(FuncInfo);
            }
            attr.LogLevel = logLevel;
            attr.LogSize = (uint)log.Length;
            attr.LogBuf = (ulong)logBuf;
            var r = Internal.Sys.Bpf.Call(BpfCmd.ProgLoad, ref attr);
            logTrueSize = attr.LogTrueSize;
            return r;
        }
    }

    static int ResolveMap(ProgramSpec spec, IReadOnlyDictionary<string, BpfMap>? maps, string name) =>
        maps is not null && maps.TryGetValue(name, out var map)
            ? map.Fd
            : throw new ArgumentException($"program '{spec.Name}' refers to map '{name}', which is not in the map table");

    static uint ResolveAttachTo(ProgramSpec spec)
    {
        if (spec.AttachTo is null) return 0;
        var name = spec.AttachType == AttachType.TraceIter ? "bpf_iter_" + spec.AttachTo : spec.AttachTo;
        return BtfSpec.Vmlinux.TryFindType(name, BtfKind.Func, out var id)
            ? id
            : throw new KernelFeatureException($"BTF function {name}", spec.AttachType == AttachType.TraceIter ? "5.8" : "5.5",
                "BPF_PROG_LOAD", 0, $"vmlinux BTF has no FUNC {name} for program '{spec.Name}'");
    }

    internal static IReadOnlyList<string> SplitLog(ReadOnlySpan<byte> log)
    {
        var end = log.IndexOf((byte)0);
        var text = Encoding.UTF8.GetString(end < 0 ? log : log[..end]);
        return text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
    }

    /// <summary>
    /// Runs the program once per <paramref name="repeat"/> in the kernel on <paramref name="data"/> (BPF_PROG_TEST_RUN),
    /// without attaching it. Socket filters need at least an Ethernet header (14 bytes) of data; Syscall programs take a
    /// context instead (pass it as <paramref name="context"/>, leave data empty).
    /// </summary>
    public TestRunResult TestRun(ReadOnlySpan<byte> data, int repeat = 1, ReadOnlySpan<byte> context = default)
    {
        var isSyscall = Spec.Type == ProgramType.Syscall;
        if (isSyscall && !data.IsEmpty) throw new ArgumentException("Syscall programs take a context, not data", nameof(data));
        var dataOut = new byte[isSyscall ? 0 : data.Length + 256];
        // Syscall programs may write their context; the kernel copies it back over ctx_in, so pass a copy we own.
        var ctx = context.ToArray();
        fixed (byte* din = data) fixed (byte* dout = dataOut) fixed (byte* cin = ctx)
        {
            var attr = new ProgTestRunAttr { ProgFd = (uint)Fd, Repeat = isSyscall ? 0 : (uint)repeat };
            if (!data.IsEmpty) { attr.DataIn = (ulong)din; attr.DataSizeIn = (uint)data.Length; attr.DataOut = (ulong)dout; attr.DataSizeOut = (uint)dataOut.Length; }
            if (ctx.Length > 0) { attr.CtxIn = (ulong)cin; attr.CtxSizeIn = (uint)ctx.Length; }
            var r = Internal.Sys.Bpf.Call(BpfCmd.ProgTestRun, ref attr);
            if (r < 0) throw new BpfException("BPF_PROG_TEST_RUN", -r, $"{Spec.Type} program '{Name}'");
            var output = isSyscall ? ctx : dataOut[..(int)Math.Min(attr.DataSizeOut, (uint)dataOut.Length)];
            return new TestRunResult(attr.Retval, TimeSpan.FromTicks(attr.Duration / 100), output);
        }
    }

    public void Dispose() => _fd.Dispose();

    public override string ToString() => $"{Spec.Type} program '{Name}'";
}
