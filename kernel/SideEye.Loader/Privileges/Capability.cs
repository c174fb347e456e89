namespace SideEye.Loader.Privileges;

/// <summary>Linux capabilities by bit number (uapi linux/capability.h); <see cref="CapabilitySet"/> names them CAP_*.</summary>
public enum Capability
{
    /// <summary>CAP_CHOWN</summary>
    Chown = 0,
    /// <summary>CAP_DAC_OVERRIDE</summary>
    DacOverride = 1,
    /// <summary>CAP_DAC_READ_SEARCH</summary>
    DacReadSearch = 2,
    /// <summary>CAP_FOWNER</summary>
    Fowner = 3,
    /// <summary>CAP_FSETID</summary>
    Fsetid = 4,
    /// <summary>CAP_KILL</summary>
    Kill = 5,
    /// <summary>CAP_SETGID</summary>
    Setgid = 6,
    /// <summary>CAP_SETUID</summary>
    Setuid = 7,
    /// <summary>CAP_SETPCAP</summary>
    Setpcap = 8,
    /// <summary>CAP_LINUX_IMMUTABLE</summary>
    LinuxImmutable = 9,
    /// <summary>CAP_NET_BIND_SERVICE</summary>
    NetBindService = 10,
    /// <summary>CAP_NET_BROADCAST</summary>
    NetBroadcast = 11,
    /// <summary>CAP_NET_ADMIN</summary>
    NetAdmin = 12,
    /// <summary>CAP_NET_RAW</summary>
    NetRaw = 13,
    /// <summary>CAP_IPC_LOCK</summary>
    IpcLock = 14,
    /// <summary>CAP_IPC_OWNER</summary>
    IpcOwner = 15,
    /// <summary>CAP_SYS_MODULE</summary>
    SysModule = 16,
    /// <summary>CAP_SYS_RAWIO</summary>
    SysRawio = 17,
    /// <summary>CAP_SYS_CHROOT</summary>
    SysChroot = 18,
    /// <summary>CAP_SYS_PTRACE</summary>
    SysPtrace = 19,
    /// <summary>CAP_SYS_PACCT</summary>
    SysPacct = 20,
    /// <summary>CAP_SYS_ADMIN</summary>
    SysAdmin = 21,
    /// <summary>CAP_SYS_BOOT</summary>
    SysBoot = 22,
    /// <summary>CAP_SYS_NICE</summary>
    SysNice = 23,
    /// <summary>CAP_SYS_RESOURCE</summary>
    SysResource = 24,
    /// <summary>CAP_SYS_TIME</summary>
    SysTime = 25,
    /// <summary>CAP_SYS_TTY_CONFIG</summary>
    SysTtyConfig = 26,
    /// <summary>CAP_MKNOD</summary>
    Mknod = 27,
    /// <summary>CAP_LEASE</summary>
    Lease = 28,
    /// <summary>CAP_AUDIT_WRITE</summary>
    AuditWrite = 29,
    /// <summary>CAP_AUDIT_CONTROL</summary>
    AuditControl = 30,
    /// <summary>CAP_SETFCAP</summary>
    Setfcap = 31,
    /// <summary>CAP_MAC_OVERRIDE</summary>
    MacOverride = 32,
    /// <summary>CAP_MAC_ADMIN</summary>
    MacAdmin = 33,
    /// <summary>CAP_SYSLOG</summary>
    Syslog = 34,
    /// <summary>CAP_WAKE_ALARM</summary>
    WakeAlarm = 35,
    /// <summary>CAP_BLOCK_SUSPEND</summary>
    BlockSuspend = 36,
    /// <summary>CAP_AUDIT_READ</summary>
    AuditRead = 37,
    /// <summary>CAP_PERFMON</summary>
    Perfmon = 38,
    /// <summary>CAP_BPF</summary>
    Bpf = 39,
    /// <summary>CAP_CHECKPOINT_RESTORE</summary>
    CheckpointRestore = 40,
}
