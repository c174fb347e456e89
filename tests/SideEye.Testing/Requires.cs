namespace SideEye.Testing;

/// <summary>
/// First line of every privileged test: fails (never skips) with what is missing, since CI runs as root on a
/// BPF-capable kernel. A developer without root excludes these with --filter "Category!=Privileged".
/// </summary>
public static class Requires
{
    public static void Root()
    {
        if (Environment.UserName != "root" && GetEuid() != 0)
            throw new InvalidOperationException("this test needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE); run as root or filter Category!=Privileged");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    static extern uint GetEuid();
}
