using System.Globalization;
using System.Runtime.InteropServices;

namespace SideEye.Loader.Privileges;

/// <summary>
/// What the kernel weighs when one process asks to trace or inspect another, as /proc shows it for one process:
/// its ids, capabilities, user namespace, seccomp mode, security label, and whether it is dumpable or a kernel
/// thread. Everything here is readable by any process, except the user namespace and the security label, which
/// are null when they cannot be read (another user's process, no security module).
/// </summary>
public sealed partial record ProcessCredentials(
    int Pid,
    uint Uid, uint Euid, uint Suid, uint Fsuid,
    uint Gid, uint Egid, uint Sgid, uint Fsgid,
    CapabilitySet Permitted, CapabilitySet Effective,
    ulong? UserNamespace,
    int Seccomp,
    bool KernelThread,
    bool? Dumpable,
    string? SecurityLabel)
{
    /// <summary>Ours, read from /proc/self.</summary>
    public static ProcessCredentials Own() => Read(Environment.ProcessId)
        ?? throw new InvalidOperationException("/proc/self/status cannot be read: is /proc mounted?");

    public bool IsRoot => Euid == 0;

    /// <summary>Null when the process does not exist (any more).</summary>
    public static ProcessCredentials? Read(int pid)
    {
        string[] status;
        try { status = File.ReadAllLines($"/proc/{pid}/status"); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException) { return null; }
        var fields = status.Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
        var uids = Ids(fields, "Uid");
        var gids = Ids(fields, "Gid");
        var euid = uids[1];
        return new ProcessCredentials(pid, uids[0], euid, uids[2], uids[3], gids[0], gids[1], gids[2], gids[3],
            CapabilitySet.Parse(fields["CapPrm"]), CapabilitySet.Parse(fields["CapEff"]),
            UserNamespaceOf(pid),
            fields.TryGetValue("Seccomp", out var seccomp) ? int.Parse(seccomp, CultureInfo.InvariantCulture) : 0,
            IsKernelThread(pid, fields),
            IsDumpable(pid, euid),
            SecurityLabelOf(pid));
    }

    static uint[] Ids(Dictionary<string, string> fields, string name) =>
        fields[name].Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries).Select(v => uint.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The inode of /proc/PID/ns/user ("user:[4026531837]"): equal numbers, same namespace.</summary>
    static ulong? UserNamespaceOf(int pid)
    {
        try
        {
            var link = File.ResolveLinkTarget($"/proc/{pid}/ns/user", returnFinalTarget: false)?.Name ?? "";
            var open = link.IndexOf('[');
            return open >= 0 && ulong.TryParse(link.AsSpan(open + 1).TrimEnd(']'), CultureInfo.InvariantCulture, out var inode) ? inode : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>"Kthread: 1" (Linux 6.2+), else PF_KTHREAD in the flags field of /proc/PID/stat.</summary>
    static bool IsKernelThread(int pid, Dictionary<string, string> fields)
    {
        if (fields.TryGetValue("Kthread", out var kthread)) return kthread == "1";
        const uint PF_KTHREAD = 0x00200000;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid pgrp session tty_nr tpgid flags ...": comm may hold spaces and parentheses.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (uint.Parse(rest[6], CultureInfo.InvariantCulture) & PF_KTHREAD) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// The kernel gives the /proc/PID directory of a process to its effective uid, unless the process is not
    /// dumpable (set-user-ID or file capabilities, prctl(PR_SET_DUMPABLE, 0), changed credentials): then to root
    /// (of its user namespace). Unknown (null) for a process that runs as root, whose directory is root's either way.
    /// </summary>
    static bool? IsDumpable(int pid, uint euid)
    {
        if (euid == 0 || OwnerOf($"/proc/{pid}") is not { } owner) return null;
        return owner == euid;
    }

    /// <summary>The AppArmor profile or SELinux context from /proc/PID/attr/current; null without such a module.</summary>
    static string? SecurityLabelOf(int pid)
    {
        try
        {
            var label = File.ReadAllText($"/proc/{pid}/attr/current").TrimEnd('\0', '\n');
            return label.Length == 0 ? null : label;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    // statx(2) rather than stat(2): its struct is the same on every architecture. stx_uid is at offset 20.
    static unsafe uint? OwnerOf(string path)
    {
        const int AT_FDCWD = -100, STATX_UID = 0x8;
        var buffer = stackalloc byte[256];
        return Statx(AT_FDCWD, path, 0, STATX_UID, buffer) == 0 ? *(uint*)(buffer + 20) : null;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
