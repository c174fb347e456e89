using System.Globalization;

namespace SideEye.Testing;

/// <summary>Ground truth from the Go toolchain itself: go tool addr2line and go tool nm.</summary>
public static class GoTool
{
    /// <summary>Runs go tool addr2line on the PCs; returns (function, "file:line") per PC in order.</summary>
    public static IReadOnlyList<(string Function, string Location)> Addr2Line(GoToolchain toolchain, string binary, IReadOnlyList<ulong> pcs)
    {
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(input, pcs.Select(pc => "0x" + pc.ToString("x")));
            var output = RunWithStdin(toolchain, input, "tool", "addr2line", binary);
            var lines = output.Split('\n', StringSplitOptions.None);
            var result = new List<(string, string)>();
            for (var i = 0; i + 1 < lines.Length && result.Count < pcs.Count; i += 2)
                result.Add((lines[i], lines[i + 1]));
            if (result.Count != pcs.Count) throw new InvalidOperationException($"go tool addr2line answered {result.Count} of {pcs.Count} PCs");
            return result;
        }
        finally { File.Delete(input); }
    }

    /// <summary>go tool nm: (address, kind letter, name) for every symbol.</summary>
    public static IReadOnlyList<(ulong Address, char Kind, string Name)> Nm(GoToolchain toolchain, string binary)
    {
        var output = toolchain.Run(RepoPaths.TestData, "tool", "nm", binary);
        var result = new List<(ulong, char, string)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "  4a1b20 T main.main" (addresses are blank for undefined symbols)
            var parts = line.Trim().Split(' ', 3);
            if (parts.Length != 3 || !ulong.TryParse(parts[0], NumberStyles.HexNumber, null, out var addr)) continue;
            result.Add((addr, parts[1][0], parts[2]));
        }
        return result;
    }

    /// <summary>go tool nm -size: (address, size, kind letter, name) for every defined symbol.</summary>
    public static IReadOnlyList<(ulong Address, ulong Size, char Kind, string Name)> NmWithSizes(GoToolchain toolchain, string binary)
    {
        var output = toolchain.Run(RepoPaths.TestData, "tool", "nm", "-size", binary);
        var result = new List<(ulong, ulong, char, string)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "  4a1b20        123 T main.main"
            var parts = line.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || !ulong.TryParse(parts[0], NumberStyles.HexNumber, null, out var addr)) continue;
            var rest = parts[2].Split(' ', 2);
            if (rest.Length != 2 || !ulong.TryParse(parts[1], out var size)) continue;
            result.Add((addr, size, rest[0][0], rest[1]));
        }
        return result;
    }

    static string RunWithStdin(GoToolchain toolchain, string stdinFile, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.TestData,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" < \"$STDIN_FILE\"");
        psi.ArgumentList.Add(toolchain.GoBinary);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["STDIN_FILE"] = stdinFile;
        psi.Environment["GOROOT"] = toolchain.GoRoot;
        psi.Environment["GOTOOLCHAIN"] = "local";
        psi.Environment["GOFLAGS"] = "-buildvcs=false";
        psi.Environment["GOCACHE"] = Path.Combine(GoToolchains.CacheRoot, "gocache-" + toolchain.Release);
        psi.Environment["GOENV"] = "off";
        psi.Environment["GOTELEMETRY"] = "off";
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"go {string.Join(' ', args)} failed: {err.Result}");
        return stdout;
    }
}
