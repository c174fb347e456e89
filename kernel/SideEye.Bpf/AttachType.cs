namespace SideEye.Bpf;

/// <summary>enum bpf_attach_type (only the types SideEye uses).</summary>
public enum AttachType : uint
{
    /// <summary>BPF_TRACE_RAW_TP</summary>
    TraceRawTp = 23,
    /// <summary>BPF_TRACE_FENTRY</summary>
    TraceFentry = 24,
    /// <summary>BPF_TRACE_FEXIT</summary>
    TraceFexit = 25,
    /// <summary>BPF_TRACE_ITER: a bpf iterator (iter/task, iter/task_vma, ...).</summary>
    TraceIter = 28,
    /// <summary>BPF_PERF_EVENT: a bpf link over a perf event (kprobe, uprobe, tracepoint).</summary>
    PerfEvent = 41,
}
