using System.Diagnostics;
using System.Globalization;

namespace SideEye.Testing;

/// <summary>
/// Runs testdata/inlined and parses what it prints: each PC runtime.Callers returned ("pc 0xPC") with the
/// frames runtime.CallersFrames expands it into ("frame FUNC FILE:LINE"), innermost first.
/// </summary>
public static class InlinedFixture
{
    public sealed record Frame(string Function, string File, int Line)
    {
        public override string ToString() => $"{Function} {File}:{Line}";
    }

    public sealed record CallerPc(ulong Pc, IReadOnlyList<Frame> Frames);

    public static IReadOnlyList<CallerPc> Run(string binary)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{binary} failed: {stderr.Result}");
        var result = new List<(ulong Pc, List<Frame> Frames)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("pc 0x", StringComparison.Ordinal))
                result.Add((ulong.Parse(line.AsSpan(5), NumberStyles.HexNumber), []));
            else if (line.StartsWith("frame ", StringComparison.Ordinal) && result.Count > 0)
            {
                // Function names have no spaces here; the line number follows the last colon.
                var parts = line.Split(' ', 3);
                var colon = parts[2].LastIndexOf(':');
                result[^1].Frames.Add(new Frame(parts[1], parts[2][..colon], int.Parse(parts[2][(colon + 1)..], CultureInfo.InvariantCulture)));
            }
        }
        if (result.Count == 0) throw new InvalidOperationException($"{binary} printed no PCs");
        return result.Select(r => new CallerPc(r.Pc, r.Frames)).ToArray();
    }

    /// <summary>
    /// Groups the PCs into physical frames: runtime.Callers gives one PC per frame, inlined ones included, and
    /// consecutive PCs whose pc-1 `go tool addr2line` places in the same function belong to one physical frame.
    /// Returns, per physical frame, its innermost PC and all its frames innermost first.
    /// </summary>
    public static IReadOnlyList<CallerPc> PhysicalFrames(GoToolchain toolchain, string binary, IReadOnlyList<CallerPc> printed)
    {
        var physical = GoTool.Addr2Line(toolchain, binary, printed.Select(p => p.Pc - 1).ToList());
        var groups = new List<CallerPc>();
        for (var i = 0; i < printed.Count;)
        {
            var j = i + 1;
            while (j < printed.Count && physical[j].Function == physical[i].Function) j++;
            groups.Add(new CallerPc(printed[i].Pc, printed.Skip(i).Take(j - i).SelectMany(p => p.Frames).ToArray()));
            i = j;
        }
        return groups;
    }
}
