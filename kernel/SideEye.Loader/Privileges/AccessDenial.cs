namespace SideEye.Loader.Privileges;

/// <summary>
/// Says why the kernel refused us a process (EPERM from ptrace, EACCES from /proc/PID/exe or mem) as far as the
/// facts show, instead of assuming we are not root. It follows the kernel's checks in order: kernel threads are
/// never traced; Yama at 3 forbids every attach; across user namespaces our ids and capabilities do not count;
/// then, unless we hold CAP_SYS_PTRACE where the target lives, the target must run with exactly our ids, be
/// dumpable, and hold no capability we lack (commoncap); Yama at 2 or 1 narrows attaching further. Whatever is
/// left is a security module's or a seccomp filter's doing, named when we run confined. Kernel lockdown is not
/// blamed: none of its checks covers ptrace or /proc.
/// </summary>
public static class AccessDenial
{
    /// <summary>Explains a refusal that just happened, from the facts as they are now: one line, without the pid.</summary>
    public static string Explain(int pid, TargetAccess access) => Compose(access, AccessFacts.Gather(pid));

    /// <summary>The explanation for <paramref name="facts"/>; see <see cref="AccessDenial"/>.</summary>
    public static string Compose(TargetAccess access, AccessFacts facts)
    {
        var own = facts.Own;
        var target = facts.Target;
        if (target is null) return "it has gone, so nothing is left to explain the refusal";
        if (target.KernelThread) return "it is a kernel thread: those have no user memory and cannot be traced, by root either";
        var yamaApplies = access != TargetAccess.Inspect;
        if (yamaApplies && facts.YamaPtraceScope == 3)
            return "kernel.yama.ptrace_scope is 3, which forbids every ptrace attach, root's included, until the next boot";

        var realIds = access == TargetAccess.Attach;
        var (uid, gid) = realIds ? (own.Uid, own.Gid) : (own.Fsuid, own.Fsgid);
        var hasCap = own.Effective.Contains(Capability.SysPtrace);
        var sameNamespace = own.UserNamespace is { } ours && target.UserNamespace == ours;
        var reach = hasCap && (facts.OwnUserNamespaceIsInitial == true || sameNamespace);
        var us = $"we run as {(uid == 0 ? "root (uid 0)" : $"uid {uid}")} {(hasCap ? "with" : "without")} CAP_SYS_PTRACE";
        var verb = access switch { TargetAccess.Attach => "trace", TargetAccess.ReadMemory => "read the memory of", _ => "inspect" };

        if (facts.OwnUserNamespaceIsInitial == false && !sameNamespace)
            return $"{us} in user namespace {Namespace(own.UserNamespace)}, not the initial one, and it runs " +
                (target.UserNamespace is { } theirs ? $"in {Namespace(theirs)}" : "in a user namespace hidden from us") +
                ": our ids and capabilities count only inside our own namespace";
        if (!reach)
        {
            if (MismatchedIds(target, uid, gid) is { } mismatch)
                return $"{us}, and it runs as {mismatch}: only CAP_SYS_PTRACE may {verb} a process whose {(realIds ? "real" : "filesystem")} ids are not all ours";
            if (target.Dumpable == false)
                return $"{us}, and it is not dumpable (a set-user-ID or file-capability program, or one that called prctl(PR_SET_DUMPABLE, 0) " +
                    $"or changed its ids): only CAP_SYS_PTRACE may {verb} it";
            // commoncap compares with our permitted set for ptrace itself and with our effective set for /proc access.
            var extra = target.Permitted.Except(realIds ? own.Permitted : own.Effective);
            if (!extra.IsEmpty)
                return $"{us}, and it holds capabilities we do not ({extra.Summary(3)}): only CAP_SYS_PTRACE may {verb} a process with capabilities beyond ours";
            if (yamaApplies && facts.YamaPtraceScope == 2)
                return $"kernel.yama.ptrace_scope is 2, which lets only CAP_SYS_PTRACE attach, and {us}";
            if (yamaApplies && facts.YamaPtraceScope == 1)
                return "kernel.yama.ptrace_scope is 1, which lets a process without CAP_SYS_PTRACE attach only to its own descendants " +
                    $"(or to a process that named it with PR_SET_PTRACER), and {us}";
        }
        if (own.SecurityLabel is { } label && !IsUnconfined(label))
            return $"{us}, and neither ids, capabilities nor Yama refuse it, but we run confined by a security module as '{label}'" +
                (target.SecurityLabel is { } theirs ? $" and it as '{theirs}'" : "") + $": that policy must allow us to {verb} it";
        if (access == TargetAccess.Attach && own.Seccomp == 2)
            return $"{us}, and neither ids, capabilities nor Yama refuse it, but our process runs under a seccomp filter (Seccomp: 2), which may refuse ptrace";
        var modules = (facts.SecurityModules is { } m ? $" active: {m}" : "") + (facts.Lockdown is { } l and not "none" ? $"; kernel lockdown: {l}" : "");
        var denied = uid == 0 && reach ? "denied although running as root with CAP_SYS_PTRACE"
            : reach ? $"denied although running as uid {uid} with CAP_SYS_PTRACE"
            : $"denied to uid {uid} without CAP_SYS_PTRACE, although it runs as our user{(target.Dumpable == true ? ", is dumpable" : "")} and holds no capability we lack";
        return $"{denied}; no known cause found (a security module?{modules})";
    }

    /// <summary>How the target's ids differ from ours, or null when they are all ours (the kernel's same-user test).</summary>
    static string? MismatchedIds(ProcessCredentials target, uint uid, uint gid)
    {
        var uidsOurs = target.Uid == uid && target.Euid == uid && target.Suid == uid;
        var gidsOurs = target.Gid == gid && target.Egid == gid && target.Sgid == gid;
        if (uidsOurs && gidsOurs) return null;
        if (!uidsOurs)
            return target.Uid == target.Euid && target.Euid == target.Suid
                ? $"uid {target.Uid}"
                : $"uid {target.Uid} (effective {target.Euid}, saved {target.Suid})";
        return target.Gid == target.Egid && target.Egid == target.Sgid
            ? $"our uid but gid {target.Gid}, not our {gid}"
            : $"our uid but gid {target.Gid} (effective {target.Egid}, saved {target.Sgid}), not our {gid}";
    }

    static string Namespace(ulong? inode) => inode is { } n ? $"user:[{n}]" : "(unreadable)";

    // AppArmor's "unconfined", SELinux's unconfined_t domain, and the kernel's own label.
    static bool IsUnconfined(string label) => label is "unconfined" or "kernel" || label.Contains(":unconfined_t:", StringComparison.Ordinal);
}
