using System.Diagnostics;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Loader.Tests;

/// <summary>
/// Our own process dies mid-pause: PauseHelper (a separate program on SideEye.Loader) pauses the target and then
/// is SIGKILLed, SIGTERMed or crashes. The target must run again every time.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    static readonly string Helper = Path.Combine(AppContext.BaseDirectory, "SideEye.Loader.PauseHelper.dll");

    (TargetProcess Target, Process Helper) Start(string mode)
    {
        var target = new TargetProcess(GoFixture.Build("pausetarget", GoToolchains.Newest));
        Process? helper = null;
        try
        {
            target.WaitForBeatAfter(20);
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            psi.ArgumentList.Add(Helper);
            psi.ArgumentList.Add(target.Pid.ToString());
            psi.ArgumentList.Add(mode);
            helper = Process.Start(psi)!;
            var line = helper.StandardOutput.ReadLine();
            if (line is null || !line.StartsWith("paused ", StringComparison.Ordinal))
            {
                helper.Kill();
                Assert.Fail($"helper said {line}: {helper.StandardError.ReadToEnd()}");
            }
            Assert.All(Procfs.ThreadStates(target.Pid), s => Assert.Equal('t', s.Value));
            var stuck = target.LastBeat().Beat;
            Thread.Sleep(50);
            Assert.Equal(stuck, target.LastBeat().Beat);
        }
        catch
        {
            if (helper is { HasExited: false }) helper.Kill();
            helper?.Dispose();
            target.Dispose();
            throw;
        }
        return (target, helper);
    }

    static void AssertRunningAgain(TargetProcess target)
    {
        var states = Procfs.WaitUntilRunning(target.Pid);
        Assert.All(states, s => Assert.True(s.Value is 'R' or 'S' or 'D', $"thread {s.Key} is in state {s.Value}"));
        target.WaitForBeatAfter(target.LastBeat().Beat + 5);
    }

    [Fact]
    public void SigkillOfThePausingProcess()
    {
        Requires.Root();
        var (target, helper) = Start("kill");
        using (target)
        using (helper)
        {
            try
            {
                helper.Kill(); // SIGKILL: no hook runs; the kernel detaches as the tracer thread dies
                helper.WaitForExit();
                AssertRunningAgain(target);
            }
            finally
            {
                if (!helper.HasExited) helper.Kill();
            }
        }
    }

    [Fact]
    public void SigtermRunsTheExitHook()
    {
        Requires.Root();
        var (target, helper) = Start("term");
        using (target)
        using (helper)
        {
            try
            {
                Assert.Equal(0, Kill(helper.Id, 15));
                var rest = helper.StandardOutput.ReadToEnd();
                helper.WaitForExit();
                output.WriteLine($"{rest.Trim()}; exit code {helper.ExitCode}");
                Assert.Contains("hook paused=False", rest);
                Assert.Equal(128 + 15, helper.ExitCode); // SIGTERM's default action still ends the process
                AssertRunningAgain(target);
            }
            finally
            {
                if (!helper.HasExited) helper.Kill();
            }
        }
    }

    [Fact]
    public void UnhandledExceptionRunsTheExitHook()
    {
        Requires.Root();
        var (target, helper) = Start("throw");
        using (target)
        using (helper)
        {
            try
            {
                helper.StandardInput.WriteLine("crash now");
                helper.StandardInput.Flush();
                var rest = helper.StandardOutput.ReadToEnd();
                helper.WaitForExit();
                output.WriteLine(rest);
                Assert.Contains("hook paused=False", rest);
                Assert.NotEqual(0, helper.ExitCode);
                AssertRunningAgain(target);
            }
            finally
            {
                if (!helper.HasExited) helper.Kill();
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    static extern int Kill(int pid, int signal);
}
