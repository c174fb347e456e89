using System.Diagnostics;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// Debian's headless Chromium in a network namespace of its own (`unshare --net`: not even loopback is up), so a page
/// can only draw with what it carries. Its profile goes to a folder of the caller's, which also marks its helper
/// processes for <see cref="ProcessReaper"/>.
/// </summary>
static class Chromium
{
    const string Executable = "/usr/bin/chromium";
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The page's DOM once its scripts ran (and up to 10 s of its timers).</summary>
    public static string DumpDom(string page, string folder) =>
        Run(folder, "--dump-dom", new Uri(page).AbsoluteUri);

    /// <summary>A screenshot of the page's first <paramref name="height"/> pixels at 1280 wide, as a PNG file.</summary>
    public static string Screenshot(string page, string folder, int height)
    {
        var png = Path.Combine(folder, Path.GetFileNameWithoutExtension(page) + ".png");
        Run(folder, $"--window-size=1280,{height}", $"--screenshot={png}", new Uri(page).AbsoluteUri);
        Assert.True(File.Exists(png), $"chromium wrote no {png}");
        return png;
    }

    static string Run(string folder, params string[] args)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: run `bash .ci/install-notebook`");
        var profile = Path.Combine(folder, "chromium-profile");
        var psi = new ProcessStartInfo("/usr/bin/unshare")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in (string[])["--net", "--", Executable, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     "--no-first-run", $"--user-data-dir={profile}", "--virtual-time-budget=10000", .. args])
            psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var exited = process.WaitForExit(Timeout);
            if (!exited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.True(exited, $"chromium {string.Join(' ', args)} did not end within {Timeout.TotalMinutes} min");
            Assert.True(process.ExitCode == 0, $"chromium {string.Join(' ', args)} exited with {process.ExitCode}: {stderr.Result}");
            return stdout.Result;
        }
        finally
        {
            ProcessReaper.KillAll(profile);
        }
    }
}
