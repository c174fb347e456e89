using System.Diagnostics;

namespace SideEye.Testing;

/// <summary>One installed Go release (a GOROOT extracted by .ci/install-go).</summary>
public sealed record GoToolchain(string Release, string GoRoot)
{
    public string GoBinary => Path.Combine(GoRoot, "bin", "go");
    public int Minor => int.Parse(Release.Split('.')[1]);
    public override string ToString() => "go" + Release;

    /// <summary>Runs the go command from this toolchain with a hermetic environment; returns stdout or throws with stderr.</summary>
    public string Run(string workingDirectory, params string[] args) => Run(workingDirectory, null, args);

    public string Run(string workingDirectory, IReadOnlyDictionary<string, string>? extraEnv, params string[] args)
    {
        var psi = new ProcessStartInfo(GoBinary)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["GOROOT"] = GoRoot;
        psi.Environment["GOTOOLCHAIN"] = "local";
        psi.Environment["GOPROXY"] = "off";
        psi.Environment["GOFLAGS"] = "-buildvcs=false";
        psi.Environment["CGO_ENABLED"] = "0";
        psi.Environment["GO111MODULE"] = "on";
        psi.Environment["GOCACHE"] = Path.Combine(GoToolchains.CacheRoot, "gocache-" + Release);
        psi.Environment["GOPATH"] = Path.Combine(GoToolchains.CacheRoot, "gopath");
        psi.Environment["GOENV"] = "off";
        psi.Environment["GOTELEMETRY"] = "off";
        if (extraEnv is not null) foreach (var (k, v) in extraEnv) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var stderr = stderrTask.Result;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{this}: go {string.Join(' ', args)} failed ({p.ExitCode}):\n{stderr}{stdout}");
        return stdout;
    }
}
