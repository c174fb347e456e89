using System.Globalization;

namespace SideEye.Loader.Privileges;

/// <summary>
/// A set of capabilities as /proc/PID/status shows it (CapEff, CapPrm: a 64-bit mask in hex, bit n = capability n),
/// written with the kernel's CAP_* names.
/// </summary>
public readonly record struct CapabilitySet(ulong Bits)
{
    // Indexed by bit number, as in uapi linux/capability.h (up to CAP_CHECKPOINT_RESTORE, Linux 5.9).
    static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    public static CapabilitySet None => default;

    public static CapabilitySet Of(params Capability[] capabilities) =>
        new(capabilities.Aggregate(0UL, (bits, c) => bits | 1UL << (int)c));

    /// <summary>Parses the hex mask of a Cap* line of /proc/PID/status, e.g. "000001ffffffffff".</summary>
    public static CapabilitySet Parse(string hex) => new(ulong.Parse(hex.Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    /// <summary>The kernel's name, e.g. CAP_SYS_PTRACE ("cap 41" for a bit newer than this list).</summary>
    public static string Name(Capability capability) =>
        (int)capability is var bit and >= 0 && bit < Names.Length ? Names[bit] : $"cap {(int)capability}";

    public bool Contains(Capability capability) => (Bits & 1UL << (int)capability) != 0;

    public bool IsEmpty => Bits == 0;

    public int Count => System.Numerics.BitOperations.PopCount(Bits);

    /// <summary>The capabilities in this set and not in <paramref name="other"/>.</summary>
    public CapabilitySet Except(CapabilitySet other) => new(Bits & ~other.Bits);

    /// <summary>Those of <paramref name="wanted"/> this set lacks: what to ask for.</summary>
    public CapabilitySet Lacking(params Capability[] wanted) => Of(wanted).Except(this);

    public IEnumerable<Capability> Members()
    {
        for (var bit = 0; bit < 64; bit++)
            if ((Bits & 1UL << bit) != 0) yield return (Capability)bit;
    }

    /// <summary>At most <paramref name="max"/> names, then how many more: "CAP_CHOWN, CAP_KILL and 3 more".</summary>
    public string Summary(int max)
    {
        if (IsEmpty) return "none";
        var names = Members().Select(Name).ToArray();
        return names.Length <= max ? string.Join(", ", names) : $"{string.Join(", ", names.Take(max))} and {names.Length - max} more";
    }

    public override string ToString() => Summary(int.MaxValue);
}
