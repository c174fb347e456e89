namespace SideEye.Testing;

/// <summary>testdata/dwarfdump: Go's own debug/dwarf reading a binary, as an independent reference.</summary>
public static class DwarfDump
{
    static readonly Lazy<string> Tool = new(() => GoFixture.Build("dwarfdump", GoToolchains.Newest));

    public static IReadOnlyList<string> Run(string binary, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Tool.Value) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(binary);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"dwarfdump {string.Join(' ', args)}: {err.Result}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
