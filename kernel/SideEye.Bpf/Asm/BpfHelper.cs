namespace SideEye.Bpf.Asm;

/// <summary>Kernel helper function ids (enum bpf_func_id; the numbering is ABI). Only the helpers SideEye uses or probes.</summary>
public enum BpfHelper
{
    /// <summary>BPF_FUNC_map_lookup_elem</summary>
    MapLookupElem = 1,
    /// <summary>BPF_FUNC_map_update_elem</summary>
    MapUpdateElem = 2,
    /// <summary>BPF_FUNC_map_delete_elem</summary>
    MapDeleteElem = 3,
    /// <summary>BPF_FUNC_probe_read</summary>
    ProbeRead = 4,
    /// <summary>BPF_FUNC_ktime_get_ns</summary>
    KtimeGetNs = 5,
    /// <summary>BPF_FUNC_trace_printk</summary>
    TracePrintk = 6,
    /// <summary>BPF_FUNC_get_smp_processor_id</summary>
    GetSmpProcessorId = 8,
    /// <summary>BPF_FUNC_get_current_pid_tgid: tgid &lt;&lt; 32 | pid.</summary>
    GetCurrentPidTgid = 14,
    /// <summary>BPF_FUNC_get_current_uid_gid</summary>
    GetCurrentUidGid = 15,
    /// <summary>BPF_FUNC_get_current_comm</summary>
    GetCurrentComm = 16,
    /// <summary>BPF_FUNC_perf_event_output</summary>
    PerfEventOutput = 25,
    /// <summary>BPF_FUNC_get_current_task</summary>
    GetCurrentTask = 35,
    /// <summary>BPF_FUNC_probe_write_user: writes user memory. Never generated; an agent refuses programs that call it.</summary>
    ProbeWriteUser = 36,
    /// <summary>BPF_FUNC_override_return: changes a kprobed function's return. Never generated; refused by agents.</summary>
    OverrideReturn = 58,
    /// <summary>BPF_FUNC_get_stack</summary>
    GetStack = 67,
    /// <summary>BPF_FUNC_send_signal: signals the current process. Never generated; refused by agents.</summary>
    SendSignal = 109,
    /// <summary>BPF_FUNC_probe_read_user</summary>
    ProbeReadUser = 112,
    /// <summary>BPF_FUNC_probe_read_kernel</summary>
    ProbeReadKernel = 113,
    /// <summary>BPF_FUNC_probe_read_user_str</summary>
    ProbeReadUserStr = 114,
    /// <summary>BPF_FUNC_probe_read_kernel_str</summary>
    ProbeReadKernelStr = 115,
    /// <summary>BPF_FUNC_send_signal_thread: signals the current thread. Never generated; refused by agents.</summary>
    SendSignalThread = 117,
    /// <summary>BPF_FUNC_seq_printf</summary>
    SeqPrintf = 126,
    /// <summary>BPF_FUNC_seq_write</summary>
    SeqWrite = 127,
    /// <summary>BPF_FUNC_ringbuf_output</summary>
    RingbufOutput = 130,
    /// <summary>BPF_FUNC_ringbuf_reserve</summary>
    RingbufReserve = 131,
    /// <summary>BPF_FUNC_ringbuf_submit</summary>
    RingbufSubmit = 132,
    /// <summary>BPF_FUNC_ringbuf_discard</summary>
    RingbufDiscard = 133,
    /// <summary>BPF_FUNC_ringbuf_query</summary>
    RingbufQuery = 134,
    /// <summary>BPF_FUNC_get_task_stack</summary>
    GetTaskStack = 141,
    /// <summary>BPF_FUNC_copy_from_user (sleepable programs only)</summary>
    CopyFromUser = 148,
    /// <summary>BPF_FUNC_get_current_task_btf</summary>
    GetCurrentTaskBtf = 158,
    /// <summary>BPF_FUNC_get_attach_cookie: the cookie given when the program was attached (e.g. which uprobe fired).</summary>
    GetAttachCookie = 174,
    /// <summary>BPF_FUNC_loop</summary>
    Loop = 181,
    /// <summary>BPF_FUNC_copy_from_user_task (sleepable programs only)</summary>
    CopyFromUserTask = 191,
}
