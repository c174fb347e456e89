using System.Collections.Concurrent;
using SideEye.Bpf.Asm;
using SideEye.Bpf.Btf;
using SideEye.Bpf.Internal.Linux;
using static SideEye.Bpf.Asm.Register;

namespace SideEye.Bpf.Features;

/// <summary>
/// Probes for kernel features by trying the smallest thing that needs them. Results are cached per process. A probe
/// answers "unsupported" only for the errors that mean it (EINVAL, E2BIG, unknown helper); anything else, such as
/// EPERM, is thrown as the <see cref="BpfException"/> it is.
/// </summary>
public static class KernelFeatures
{
    static readonly ConcurrentDictionary<KernelFeature, Lazy<KernelFeatureException?>> Cache = new();

    /// <summary>The oldest mainline kernel that has <paramref name="feature"/>.</summary>
    public static string MinimumKernel(KernelFeature feature) => feature switch
    {
        KernelFeature.RingBuf => "5.8",
        KernelFeature.BpfLoop => "5.17",
        KernelFeature.TaskIterator => "5.8",
        KernelFeature.SleepableTaskIterator => "5.18",
        KernelFeature.UprobePmu => "4.17",
        KernelFeature.VmlinuxBtf => "5.4",
        KernelFeature.AttachCookie => "5.15",
        KernelFeature.SleepableUprobe => "6.0",
        _ => throw new ArgumentOutOfRangeException(nameof(feature)),
    };

    public static string Describe(KernelFeature feature) => feature switch
    {
        KernelFeature.RingBuf => "BPF ring buffer map",
        KernelFeature.BpfLoop => "bpf_loop helper",
        KernelFeature.TaskIterator => "iter/task iterator",
        KernelFeature.SleepableTaskIterator => "sleepable iter.s/task iterator with bpf_copy_from_user_task",
        KernelFeature.UprobePmu => "uprobe PMU",
        KernelFeature.VmlinuxBtf => "vmlinux BTF",
        KernelFeature.AttachCookie => "bpf_get_attach_cookie for uprobes",
        KernelFeature.SleepableUprobe => "sleepable uprobe programs with bpf_copy_from_user",
        _ => feature.ToString(),
    };

    /// <summary>True if the kernel has <paramref name="feature"/>.</summary>
    public static bool Have(KernelFeature feature) => Probe(feature) is null;

    /// <summary>Throws <see cref="KernelFeatureException"/> naming the feature and its minimum kernel if it is missing.</summary>
    public static void Require(KernelFeature feature)
    {
        if (Probe(feature) is { } missing) throw missing;
    }

    /// <summary>Null if supported, else why not. Errors that do not mean "unsupported" propagate and are not cached.</summary>
    public static KernelFeatureException? Probe(KernelFeature feature)
    {
        var lazy = Cache.GetOrAdd(feature, f => new Lazy<KernelFeatureException?>(() => Run(f)));
        try { return lazy.Value; }
        catch { Cache.TryRemove(new KeyValuePair<KernelFeature, Lazy<KernelFeatureException?>>(feature, lazy)); throw; }
    }

    static KernelFeatureException? Run(KernelFeature feature) => feature switch
    {
        KernelFeature.RingBuf => ProbeRingBuf(),
        KernelFeature.BpfLoop => ProbeHelper(feature, new ProgramSpec("probe_loop", ProgramType.SocketFilter, HelperCall(BpfHelper.Loop))),
        KernelFeature.TaskIterator => ProbeTaskIterator(),
        KernelFeature.SleepableTaskIterator => ProbeSleepableIterator(),
        KernelFeature.UprobePmu => Links.UprobeLink.PmuType() is null ? Missing(feature, "perf_event_open", 0, "/sys/bus/event_source/devices/uprobe/type does not exist") : null,
        KernelFeature.AttachCookie => ProbeHelper(feature, new ProgramSpec("probe_cookie", ProgramType.Kprobe, HelperCall(BpfHelper.GetAttachCookie))),
        KernelFeature.SleepableUprobe => ProbeHelper(feature, new ProgramSpec("probe_uprobe_s", ProgramType.Kprobe, HelperCall(BpfHelper.CopyFromUser)) { Sleepable = true }),
        KernelFeature.VmlinuxBtf => File.Exists("/sys/kernel/btf/vmlinux") ? null : Missing(feature, "open", Errno.ENOENT, "/sys/kernel/btf/vmlinux does not exist"),
        _ => throw new ArgumentOutOfRangeException(nameof(feature)),
    };

    static KernelFeatureException Missing(KernelFeature feature, string command, int errno, string why, Exception? inner = null) =>
        new(Describe(feature), MinimumKernel(feature), command, errno, why, inner);

    static KernelFeatureException? ProbeRingBuf()
    {
        try
        {
            using var map = BpfMap.Load(MapSpec.RingBuf("probe_ringbuf", (uint)Libc.GetPageSize()));
            return null;
        }
        catch (BpfException e) when (e.Errno is Errno.EINVAL or Errno.E2BIG)
        {
            return Missing(KernelFeature.RingBuf, e.Command, e.Errno, "the kernel does not know the ring buffer map type", e);
        }
    }

    static Instructions HelperCall(BpfHelper helper) =>
    [
        Asm.Asm.Mov64Imm(R1, 0), Asm.Asm.Mov64Imm(R2, 0), Asm.Asm.Mov64Imm(R3, 0), Asm.Asm.Mov64Imm(R4, 0),
        Asm.Asm.Call(helper),
        Asm.Asm.Mov64Imm(R0, 0),
        Asm.Asm.Exit(),
    ];

    /// <summary>
    /// Calls the helper with dummy arguments: a kernel without it rejects the call as an unknown/invalid function;
    /// a kernel with it complains about the arguments instead, which still proves the helper exists.
    /// </summary>
    static KernelFeatureException? ProbeHelper(KernelFeature feature, ProgramSpec spec)
    {
        try
        {
            using var prog = BpfProgram.Load(spec);
            return null;
        }
        catch (VerifierException e) when (e.Log.Any(IsUnsupportedLine))
        {
            return Missing(feature, e.Command, e.Errno, e.Log.Last(IsUnsupportedLine), e);
        }
        catch (VerifierException)
        {
            return null;
        }
        catch (BpfException e) when (e.Errno is Errno.EINVAL or Errno.E2BIG && e is not KernelFeatureException)
        {
            return Missing(feature, e.Command, e.Errno, "the kernel rejected the probe program", e);
        }
        catch (KernelFeatureException e)
        {
            return Missing(feature, e.Command, e.Errno, e.Message, e);
        }
    }

    /// <summary>Verifier lines that mean "this kernel cannot", as opposed to "this program is wrong".</summary>
    static bool IsUnsupportedLine(string line) =>
        line.Contains("invalid func ") || line.Contains("unknown func ") || line.Contains("can be sleepable");

    static KernelFeatureException? ProbeTaskIterator()
    {
        if (!BtfSpec.Vmlinux.TryFindType("bpf_iter_task", BtfKind.Func, out _))
            return Missing(KernelFeature.TaskIterator, "BTF", 0, "vmlinux BTF has no FUNC bpf_iter_task");
        var spec = new ProgramSpec("probe_iter_task", ProgramType.Tracing, [Asm.Asm.Mov64Imm(R0, 0), Asm.Asm.Exit()])
        {
            AttachType = AttachType.TraceIter,
            AttachTo = "task",
        };
        return ProbeHelper(KernelFeature.TaskIterator, spec);
    }

    static KernelFeatureException? ProbeSleepableIterator()
    {
        if (Probe(KernelFeature.TaskIterator) is { } noIter) return Missing(KernelFeature.SleepableTaskIterator, noIter.Command, noIter.Errno, noIter.Message, noIter);
        var spec = new ProgramSpec("probe_iter_s", ProgramType.Tracing, HelperCall(BpfHelper.CopyFromUserTask))
        {
            AttachType = AttachType.TraceIter,
            AttachTo = "task",
            Sleepable = true,
        };
        return ProbeHelper(KernelFeature.SleepableTaskIterator, spec);
    }
}
