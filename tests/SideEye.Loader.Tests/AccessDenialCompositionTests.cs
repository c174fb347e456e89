using SideEye.Loader.Privileges;

namespace SideEye.Loader.Tests;

/// <summary>
/// The explanation for stated facts, one case per check of the kernel's, in its order. No kernel involved: the
/// real refusals are in <see cref="AccessDenialTests"/>.
/// </summary>
public sealed class AccessDenialCompositionTests
{
    const ulong InitialNamespace = 4026531837;
    static readonly CapabilitySet AllCapabilities = new(0x1ff_ffff_ffff); // CAP_CHOWN … CAP_CHECKPOINT_RESTORE

    static ProcessCredentials Root(int pid = 100) =>
        new(pid, 0, 0, 0, 0, 0, 0, 0, 0, AllCapabilities, AllCapabilities, InitialNamespace, 0, false, null, null);

    static ProcessCredentials User(uint uid, int pid = 200) =>
        new(pid, uid, uid, uid, uid, uid, uid, uid, uid, CapabilitySet.None, CapabilitySet.None, InitialNamespace, 0, false, true, null);

    static AccessFacts Facts(ProcessCredentials own, ProcessCredentials? target, bool? initialNamespace = true, int? yama = null, string? lockdown = null, string? modules = null) =>
        new(own, target, initialNamespace, yama, lockdown, modules);

    static string Explain(AccessFacts facts, TargetAccess access = TargetAccess.Attach)
    {
        var message = AccessDenial.Compose(access, facts);
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain("need root", message);
        return message;
    }

    [Fact]
    public void AnotherUsersProcessWithoutTheCapability() =>
        Assert.Equal("we run as uid 1000 without CAP_SYS_PTRACE, and it runs as uid 0: only CAP_SYS_PTRACE may trace a process whose real ids are not all ours",
            Explain(Facts(User(1000), Root())));

    [Fact]
    public void ASetUserIdProgramOfOurs() =>
        Assert.Equal("we run as uid 1000 without CAP_SYS_PTRACE, and it runs as uid 1000 (effective 0, saved 0): only CAP_SYS_PTRACE may trace a process whose real ids are not all ours",
            Explain(Facts(User(1000), User(1000) with { Euid = 0, Suid = 0 })));

    [Fact]
    public void OurUserButAnotherGroup() =>
        Assert.Equal("we run as uid 1000 without CAP_SYS_PTRACE, and it runs as our uid but gid 50, not our 1000: only CAP_SYS_PTRACE may trace a process whose real ids are not all ours",
            Explain(Facts(User(1000), User(1000) with { Gid = 50, Egid = 50, Sgid = 50 })));

    [Fact]
    public void ReadingMemoryComparesFilesystemIds() =>
        Assert.Equal("we run as uid 1000 without CAP_SYS_PTRACE, and it runs as uid 0: only CAP_SYS_PTRACE may read the memory of a process whose filesystem ids are not all ours",
            Explain(Facts(User(1000), Root()), TargetAccess.ReadMemory));

    [Fact]
    public void NotDumpable() =>
        Assert.Equal("we run as uid 1000 without CAP_SYS_PTRACE, and it is not dumpable (a set-user-ID or file-capability program, or one that called " +
            "prctl(PR_SET_DUMPABLE, 0) or changed its ids): only CAP_SYS_PTRACE may inspect it",
            Explain(Facts(User(1000), User(1000) with { Dumpable = false }), TargetAccess.Inspect));

    [Fact]
    public void RootWithoutCapabilitiesAgainstRootWithThem() =>
        Assert.Equal("we run as root (uid 0) without CAP_SYS_PTRACE, and it holds capabilities we do not (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and 38 more): " +
            "only CAP_SYS_PTRACE may trace a process with capabilities beyond ours",
            Explain(Facts(Root() with { Permitted = CapabilitySet.None, Effective = CapabilitySet.None }, Root())));

    [Fact]
    public void CapabilitiesBeyondOursCompareWithOurEffectiveSetForProc()
    {
        var own = Root() with { Effective = CapabilitySet.None };
        // ptrace itself compares the target's permitted set with ours (all of them): nothing beyond ours.
        Assert.StartsWith("denied to uid 0 without CAP_SYS_PTRACE", Explain(Facts(own, Root())));
        // /proc access compares it with our effective set (none).
        Assert.Contains("it holds capabilities we do not (CAP_CHOWN", Explain(Facts(own, Root()), TargetAccess.Inspect));
    }

    [Fact]
    public void YamaScopeThreeRefusesRootToo()
    {
        Assert.Equal("kernel.yama.ptrace_scope is 3, which forbids every ptrace attach, root's included, until the next boot",
            Explain(Facts(Root(), User(1000), yama: 3)));
        // Yama does not look at /proc reads such as /proc/PID/exe.
        Assert.StartsWith("denied although running as root with CAP_SYS_PTRACE", Explain(Facts(Root(), User(1000), yama: 3), TargetAccess.Inspect));
    }

    [Fact]
    public void YamaScopeTwoWithoutTheCapability()
    {
        Assert.Equal("kernel.yama.ptrace_scope is 2, which lets only CAP_SYS_PTRACE attach, and we run as uid 1000 without CAP_SYS_PTRACE",
            Explain(Facts(User(1000), User(1000, pid: 300), yama: 2)));
        Assert.StartsWith("denied although running as root with CAP_SYS_PTRACE", Explain(Facts(Root(), User(1000), yama: 2)));
    }

    [Fact]
    public void YamaScopeOneWithoutTheCapability() =>
        Assert.Equal("kernel.yama.ptrace_scope is 1, which lets a process without CAP_SYS_PTRACE attach only to its own descendants " +
            "(or to a process that named it with PR_SET_PTRACER), and we run as uid 1000 without CAP_SYS_PTRACE",
            Explain(Facts(User(1000), User(1000, pid: 300), yama: 1)));

    [Fact]
    public void OutsideOurUserNamespaceEvenAsRoot()
    {
        var own = Root() with { UserNamespace = 4026532173 };
        Assert.Equal("we run as root (uid 0) with CAP_SYS_PTRACE in user namespace user:[4026532173], not the initial one, and it runs in user:[4026531837]: " +
            "our ids and capabilities count only inside our own namespace",
            Explain(Facts(own, Root(), initialNamespace: false)));
        Assert.EndsWith("and it runs in a user namespace hidden from us: our ids and capabilities count only inside our own namespace",
            Explain(Facts(own, Root() with { UserNamespace = null }, initialNamespace: false)));
    }

    [Fact]
    public void InsideOurOwnUserNamespaceOurCapabilitiesCount() =>
        Assert.StartsWith("denied although running as root with CAP_SYS_PTRACE",
            Explain(Facts(Root() with { UserNamespace = 7 }, User(1000) with { UserNamespace = 7 }, initialNamespace: false)));

    [Fact]
    public void KernelThreadsAndGoneProcesses()
    {
        Assert.Equal("it is a kernel thread: those have no user memory and cannot be traced, by root either",
            Explain(Facts(Root(), Root(pid: 2) with { KernelThread = true })));
        Assert.Equal("it has gone, so nothing is left to explain the refusal", Explain(Facts(Root(), null)));
    }

    [Fact]
    public void ASecurityModuleConfiningUs()
    {
        Assert.Equal("we run as root (uid 0) with CAP_SYS_PTRACE, and neither ids, capabilities nor Yama refuse it, but we run confined by a security module " +
            "as 'sideeye (enforce)' and it as 'unconfined': that policy must allow us to trace it",
            Explain(Facts(Root() with { SecurityLabel = "sideeye (enforce)" }, User(1000) with { SecurityLabel = "unconfined" })));
        Assert.StartsWith("denied although running as root",
            Explain(Facts(Root() with { SecurityLabel = "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023" }, User(1000))));
    }

    [Fact]
    public void ASeccompFilterOnUsMayRefusePtraceItself()
    {
        var own = Root() with { Seccomp = 2 };
        Assert.Equal("we run as root (uid 0) with CAP_SYS_PTRACE, and neither ids, capabilities nor Yama refuse it, but our process runs under a seccomp filter (Seccomp: 2), which may refuse ptrace",
            Explain(Facts(own, User(1000))));
        Assert.StartsWith("denied although", Explain(Facts(own, User(1000)), TargetAccess.Inspect));
    }

    [Fact]
    public void NothingExplainsIt()
    {
        Assert.Equal("denied although running as root with CAP_SYS_PTRACE; no known cause found (a security module?)", Explain(Facts(Root(), User(1000))));
        Assert.Equal("denied although running as root with CAP_SYS_PTRACE; no known cause found (a security module? active: capability,landlock,yama,bpf; kernel lockdown: confidentiality)",
            Explain(Facts(Root(), User(1000), lockdown: "confidentiality", modules: "capability,landlock,yama,bpf")));
        Assert.Equal("denied to uid 1000 without CAP_SYS_PTRACE, although it runs as our user, is dumpable and holds no capability we lack; no known cause found (a security module?)",
            Explain(Facts(User(1000), User(1000, pid: 300))));
    }

    [Fact]
    public void CapabilitySetsParseAndName()
    {
        var set = CapabilitySet.Parse("00000000a80425fb"); // a container runtime's default set
        Assert.True(set.Contains(Capability.Chown));
        Assert.False(set.Contains(Capability.SysPtrace));
        Assert.Equal(14, set.Count);
        Assert.Equal("CAP_CHOWN, CAP_DAC_OVERRIDE and 12 more", set.Summary(2));
        Assert.Equal("CAP_SYS_PTRACE, CAP_BPF", set.Lacking(Capability.SysPtrace, Capability.Bpf, Capability.Kill).ToString());
        Assert.Equal("CAP_CHECKPOINT_RESTORE", CapabilitySet.Name(Capability.CheckpointRestore));
        Assert.Equal("cap 41", CapabilitySet.Name((Capability)41));
        Assert.Equal("none", CapabilitySet.None.ToString());
    }

    [Fact]
    public void OurOwnCredentialsMatchProc()
    {
        var own = ProcessCredentials.Own();
        var status = File.ReadAllLines("/proc/self/status").Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        Assert.Equal(status["CapEff"], own.Effective.Bits.ToString("x16"));
        Assert.Equal(status["Uid"].Split('\t')[1], own.Euid.ToString());
        Assert.Equal(File.ResolveLinkTarget("/proc/self/ns/user", false)!.Name, $"user:[{own.UserNamespace}]");
        Assert.False(own.KernelThread);
    }
}
