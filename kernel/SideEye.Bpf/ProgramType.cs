namespace SideEye.Bpf;

/// <summary>enum bpf_prog_type (only the types SideEye uses or tests with).</summary>
public enum ProgramType : uint
{
    /// <summary>BPF_PROG_TYPE_SOCKET_FILTER: runnable with BPF_PROG_TEST_RUN, handy for unit tests.</summary>
    SocketFilter = 1,
    /// <summary>BPF_PROG_TYPE_KPROBE: kprobes and uprobes; the context is struct pt_regs.</summary>
    Kprobe = 2,
    /// <summary>BPF_PROG_TYPE_TRACEPOINT</summary>
    Tracepoint = 5,
    /// <summary>BPF_PROG_TYPE_PERF_EVENT</summary>
    PerfEvent = 7,
    /// <summary>BPF_PROG_TYPE_RAW_TRACEPOINT</summary>
    RawTracepoint = 17,
    /// <summary>BPF_PROG_TYPE_TRACING: fentry/fexit and iterators; needs an attach type and a BTF id.</summary>
    Tracing = 26,
    /// <summary>BPF_PROG_TYPE_SYSCALL: runnable with BPF_PROG_TEST_RUN with a context only; may sleep.</summary>
    Syscall = 31,
}
