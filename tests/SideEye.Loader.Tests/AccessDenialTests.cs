using System.Diagnostics;
using SideEye.Loader.Pause;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Loader.Tests;

/// <summary>
/// Real refusals of PTRACE_SEIZE, each named for its cause. Root with every capability in the initial user
/// namespace is refused only a kernel thread on this kernel (no Yama, no lockdown, no security module here), and a
/// target inside another user namespace, even one owned by nobody, is attached to (checked by hand: the kernel
/// lets capabilities of an ancestor namespace reach into it). So the other refusals come from PauseHelper run the
/// way a refused SideEye would run: in a user namespace of its own (root there, a stranger outside) and as root
/// stripped of its capabilities (as in a locked-down container).
/// </summary>
[Trait("Category", "Privileged")]
public sealed class AccessDenialTests(ITestOutputHelper output)
{
    static readonly string Helper = Path.Combine(AppContext.BaseDirectory, "SideEye.Loader.PauseHelper.dll");

    [Fact]
    public void AKernelThreadIsNamedAsSuch()
    {
        Requires.Root();
        var kthread = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .First(pid => pid > 0 && IsKernelThread(pid));
        var error = Assert.Throws<TargetProcessException>(() => ProcessPause.Pause(kthread, TimeSpan.FromSeconds(1)));
        output.WriteLine(error.Message);
        Assert.Equal($"process {kthread}: not permitted to trace thread {kthread} (EPERM (Operation not permitted)): " +
            "it is a kernel thread: those have no user memory and cannot be traced, by root either", error.Message);
    }

    /// <summary>
    /// Not a refusal: the setup one might expect to refuse root (a target in a user namespace created by nobody)
    /// does not, because CAP_SYS_PTRACE in the initial namespace reaches into every namespace below it.
    /// </summary>
    [Fact]
    public void ATargetInAUserNamespaceOwnedByNobodyIsPausedByRoot()
    {
        Requires.Root();
        var sleep = new[] { "/usr/bin/sleep", "/bin/sleep" }.First(File.Exists);
        using var target = new TargetProcess("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "unshare", "--user", "--map-root-user", sleep, "60");
        var sw = Stopwatch.StartNew();
        string Namespace(string pid) => File.ResolveLinkTarget($"/proc/{pid}/ns/user", false)!.Name;
        while (Namespace("self") == Namespace(target.Pid.ToString()) && sw.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(5);
        Assert.NotEqual(Namespace("self"), Namespace(target.Pid.ToString()));
        using (var pause = ProcessPause.Pause(target.Pid, TimeSpan.FromSeconds(1)))
        {
            Assert.Single(pause.Threads);
            Assert.Equal('t', Procfs.State(target.Pid));
        }
        Assert.Empty(Procfs.StoppedThreads(target.Pid));
    }

    [Fact]
    public void InAUserNamespaceOfItsOwnRootIsAStrangerOutside()
    {
        Requires.Root();
        using var target = ProcessPauseTests.StartTarget();
        var line = RunHelper(["unshare", "--user", "--map-root-user"], target.Pid);
        var ours = File.ResolveLinkTarget($"/proc/{target.Pid}/ns/user", false)!.Name;
        Assert.StartsWith($"refused process {target.Pid}: not permitted to trace thread {target.Pid} (EPERM (Operation not permitted)): " +
            "we run as root (uid 0) with CAP_SYS_PTRACE in user namespace user:[", line);
        Assert.EndsWith($"not the initial one, and it runs in a user namespace hidden from us: our ids and capabilities count only inside our own namespace", line);
        Assert.DoesNotContain(ours, line); // the helper could not read the target's namespace, and says so
        Assert.Empty(Procfs.StoppedThreads(target.Pid));
    }

    [Fact]
    public void RootWithoutCapabilitiesIsToldWhichOneItLacks()
    {
        Requires.Root();
        using var target = ProcessPauseTests.StartTarget();
        var line = RunHelper(["setpriv", "--inh-caps=-all", "--bounding-set=-all"], target.Pid);
        Assert.StartsWith($"refused process {target.Pid}: not permitted to trace thread {target.Pid} (EPERM (Operation not permitted)): " +
            "we run as root (uid 0) without CAP_SYS_PTRACE, and it holds capabilities we do not (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and ", line);
        Assert.EndsWith("more): only CAP_SYS_PTRACE may trace a process with capabilities beyond ours", line);
        Assert.Empty(Procfs.StoppedThreads(target.Pid));
    }

    /// <summary>
    /// What a snapshot is told when /proc/PID/exe is refused (EACCES): the same cause, for a /proc read, where
    /// commoncap compares the target's capabilities with our effective ones.
    /// </summary>
    [Fact]
    public void AnExecutableLinkRefusedToRootWithoutCapabilities()
    {
        Requires.Root();
        using var target = ProcessPauseTests.StartTarget();
        var line = RunHelper(["setpriv", "--inh-caps=-all", "--bounding-set=-all"], target.Pid, "exe");
        Assert.StartsWith("refused we run as root (uid 0) without CAP_SYS_PTRACE, and it holds capabilities we do not (CAP_CHOWN, ", line);
        Assert.EndsWith("more): only CAP_SYS_PTRACE may inspect a process with capabilities beyond ours", line);
    }

    /// <summary>A PauseHelper mode under <paramref name="prefix"/>, expected to be refused: its one line of output.</summary>
    string RunHelper(string[] prefix, int pid, string mode = "try")
    {
        var start = new ProcessStartInfo(prefix[0]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in prefix.Skip(1).Concat(["dotnet", Helper, pid.ToString(), mode])) start.ArgumentList.Add(a);
        using var helper = Process.Start(start)!;
        var stderr = helper.StandardError.ReadToEndAsync();
        var stdout = helper.StandardOutput.ReadToEnd();
        Assert.True(helper.WaitForExit(TimeSpan.FromSeconds(60)), "the helper did not finish");
        output.WriteLine(stdout.Trim());
        Assert.True(helper.ExitCode == 3, $"exit {helper.ExitCode}; stdout: {stdout}; stderr: {stderr.Result}");
        return stdout.Trim();
    }

    static bool IsKernelThread(int pid)
    {
        try { return File.ReadLines($"/proc/{pid}/status").Contains("Kthread:\t1"); }
        catch (IOException) { return false; }
    }
}
