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

    /// <summary>
    /// The helper's tracer thread is stuck in pause(2) for good, with every thread of the target stopped. The
    /// helper gives up on it, is told through ProcessPause.Wedged while the threads are still held, and exits as
    /// a long-running host is advised to: the kernel then releases the target.
    /// </summary>
    [Fact]
    public async Task AHostThatExitsWhenAPauseIsWedgedReleasesTheTarget()
    {
        Requires.Root();
        var (target, helper) = Start("wedge");
        using (target)
        using (helper)
        {
            try
            {
                // Generous: the helper gives up after about a second (limit, allowance and grace, twice).
                var line = await helper.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                await helper.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
                output.WriteLine($"{line}; exit code {helper.ExitCode}");
                Assert.Matches(@"^wedged held=\d+ stopped=[1-9]\d*$", line);
                Assert.Equal(70, helper.ExitCode);
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
