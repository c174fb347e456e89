namespace SideEye.Bpf.Features;

/// <summary>Kernel capabilities SideEye depends on; <see cref="KernelFeatures"/> probes them and knows their minimum kernels.</summary>
public enum KernelFeature
{
    /// <summary>BPF_MAP_TYPE_RINGBUF (5.8).</summary>
    RingBuf = 1,
    /// <summary>The bpf_loop helper (5.17).</summary>
    BpfLoop = 2,
    /// <summary>iter/task bpf iterators (5.8).</summary>
    TaskIterator = 3,
    /// <summary>Sleepable iter.s/task iterators with bpf_copy_from_user_task (5.18).</summary>
    SleepableTaskIterator = 4,
    /// <summary>The perf "uprobe" PMU for attaching uprobes by path and offset (4.17).</summary>
    UprobePmu = 5,
    /// <summary>/sys/kernel/btf/vmlinux (5.4 with CONFIG_DEBUG_INFO_BTF).</summary>
    VmlinuxBtf = 6,
    /// <summary>bpf_get_attach_cookie for kprobe/uprobe programs, set through a perf-event bpf link (5.15).</summary>
    AttachCookie = 7,
    /// <summary>Sleepable uprobe (kprobe-type, BPF_F_SLEEPABLE) programs, which may call bpf_copy_from_user (6.0).</summary>
    SleepableUprobe = 8,
}
