using System.Text;
using SideEye.Bpf.Internal.Linux;
using SideEye.Bpf.Internal.Sys;

namespace SideEye.Bpf.Links;

/// <summary>
/// A Kprobe-type program attached to a uprobe: an instruction at a file offset in an executable or library, optionally
/// only for one process. Uses the dynamic "uprobe" PMU (perf_event_open with config1 = path, config2 = offset), then
/// PERF_EVENT_IOC_SET_BPF and PERF_EVENT_IOC_ENABLE. Converting a symbol's virtual address to a file offset is the caller's job.
/// </summary>
public sealed class UprobeLink : BpfLink
{
    const string PmuDir = "/sys/bus/event_source/devices/uprobe";

    public string BinaryPath { get; }
    public ulong Offset { get; }
    public int? Pid { get; }
    public bool IsReturnProbe { get; }

    /// <summary>The bpf link carrying a cookie (BPF_LINK_CREATE / BPF_PERF_EVENT), when one was asked for.</summary>
    readonly FdHandle? _bpfLink;

    /// <summary>The value bpf_get_attach_cookie returns in the program, or null if attached without one.</summary>
    public ulong? Cookie { get; }

    UprobeLink(FdHandle perfEvent, FdHandle? bpfLink, string path, ulong offset, int? pid, bool ret, ulong? cookie) : base(perfEvent)
    {
        _bpfLink = bpfLink;
        BinaryPath = path;
        Offset = offset;
        Pid = pid;
        IsReturnProbe = ret;
        Cookie = cookie;
    }

    public override void Dispose()
    {
        _bpfLink?.Dispose(); // detach the program before closing its event
        base.Dispose();
    }

    /// <summary>The uprobe PMU's dynamic perf type, or null if the kernel has none (before 4.17).</summary>
    public static int? PmuType() =>
        File.Exists(PmuDir + "/type") ? int.Parse(File.ReadAllText(PmuDir + "/type").Trim()) : null;

    /// <summary>Attaches <paramref name="program"/> at <paramref name="fileOffset"/> of <paramref name="binaryPath"/>.</summary>
    /// <param name="pid">Only this process (all its threads), or every process mapping the file when null.</param>
    /// <param name="returnProbe">Fire on function return (uretprobe) instead of entry.</param>
    /// <param name="cookie">
    /// A value the program reads with bpf_get_attach_cookie, so one program can serve many probes (Linux 5.15; attaches
    /// through BPF_LINK_CREATE instead of PERF_EVENT_IOC_SET_BPF).
    /// </param>
    public static unsafe UprobeLink Attach(BpfProgram program, string binaryPath, ulong fileOffset, int? pid = null, bool returnProbe = false, ulong? cookie = null)
    {
        if (program.Spec.Type != ProgramType.Kprobe)
            throw new ArgumentException($"{program} cannot attach to a uprobe: needs {ProgramType.Kprobe}", nameof(program));
        var full = Path.GetFullPath(binaryPath);
        if (!File.Exists(full)) throw new ArgumentException($"no file {full} to attach a uprobe to", nameof(binaryPath));
        var pmu = PmuType() ?? throw new KernelFeatureException("uprobe PMU", "4.17", "perf_event_open", 0, $"{PmuDir}/type does not exist");

        var path = Encoding.UTF8.GetBytes(full + "\0");
        int fd;
        fixed (byte* p = path)
        {
            var attr = new PerfEventAttr
            {
                Type = (uint)pmu,
                Config = returnProbe ? 1ul << RetprobeBit() : 0,
                Config1 = (ulong)p,
                Config2 = fileOffset,
                SamplePeriod = 1,
                WakeupEvents = 1,
            };
            // A per-process event follows the process on every CPU; a global one is opened on CPU 0 only, which is
            // enough because the program runs from the probe hit itself, not from the event's sampling.
            fd = Internal.Sys.Bpf.PerfEventOpen(ref attr, pid ?? -1, pid is null ? 0 : -1, -1, Internal.Sys.Bpf.PerfFlagFdCloexec);
        }
        if (fd < 0) throw new BpfException("perf_event_open", -fd, $"uprobe {full}+0x{fileOffset:x}{(pid is null ? "" : $" pid {pid}")}");
        var handle = new FdHandle(fd);
        if (cookie is { } c)
        {
            try
            {
                var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd, TargetFd = (uint)fd, AttachType = (uint)AttachType.PerfEvent, IterInfoOrCookie = c };
                var link = Internal.Sys.Bpf.CallFd(BpfCmd.LinkCreate, ref attr, $"{program} on uprobe {full}+0x{fileOffset:x} with cookie");
                return new UprobeLink(handle, link, full, fileOffset, pid, returnProbe, c);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }
        try
        {
            if (Libc.Ioctl(fd, Internal.Sys.Bpf.PerfEventIocSetBpf, program.Fd) < 0)
                throw new BpfException("PERF_EVENT_IOC_SET_BPF", Libc.LastErrno, $"{program} on uprobe {full}+0x{fileOffset:x}");
            if (Libc.Ioctl(fd, Internal.Sys.Bpf.PerfEventIocEnable, 0) < 0)
                throw new BpfException("PERF_EVENT_IOC_ENABLE", Libc.LastErrno, $"uprobe {full}+0x{fileOffset:x}");
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return new UprobeLink(handle, null, full, fileOffset, pid, returnProbe, null);
    }

    /// <summary>The config bit that selects a return probe, from the PMU's format description ("config:0").</summary>
    static int RetprobeBit()
    {
        var format = PmuDir + "/format/retprobe";
        if (!File.Exists(format)) return 0;
        var text = File.ReadAllText(format).Trim();
        return text.StartsWith("config:", StringComparison.Ordinal) && int.TryParse(text[7..], out var bit) ? bit : 0;
    }

    public override string ToString() => $"uprobe {BinaryPath}+0x{Offset:x}{(Pid is null ? "" : $" pid {Pid}")}";
}
