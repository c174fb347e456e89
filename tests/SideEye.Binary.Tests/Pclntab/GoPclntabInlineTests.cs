using System.Globalization;
using SideEye.Binary.Pclntab;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Pclntab;

/// <summary>LookupInlined against what runtime.CallersFrames printed inside the running fixture.</summary>
public class GoPclntabInlineTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void LookupInlined_MatchesCallersFrames(string release)
    {
        var toolchain = GoToolchains.Get(release);
        foreach (var flags in new[] { GoBuildFlags.Default, GoBuildFlags.Stripped })
        {
            var binary = GoFixture.Build("inlined", toolchain, flags);
            var (_, table) = PclntabTargets.Open(binary);
            var printed = RunAndParse(binary);
            // runtime.Callers gives one PC per frame, inlined ones included; addr2line on pc-1 names the physical
            // function, and consecutive PCs in the same physical function are one physical frame.
            var physical = GoTool.Addr2Line(toolchain, binary, printed.Select(p => p.Pc - 1).ToList());
            var checkedGroups = 0;
            var inlinedGroups = 0;
            for (var i = 0; i < printed.Count;)
            {
                var j = i + 1;
                while (j < printed.Count && physical[j].Function == physical[i].Function) j++;
                var expected = printed.Skip(i).Take(j - i).SelectMany(p => p.Frames).ToList();
                var actual = table.LookupInlined(printed[i].Pc - 1);
                Assert.True(expected.SequenceEqual(actual),
                    $"{binary} pc 0x{printed[i].Pc:x}:\n expected {string.Join(" <- ", expected)}\n actual   {string.Join(" <- ", actual)}");
                checkedGroups++;
                if (expected.Count > 1) inlinedGroups++;
                i = j;
            }
            Assert.True(inlinedGroups >= 4, $"only {inlinedGroups} of {checkedGroups} physical frames had inlined calls");
        }
    }

    static List<(ulong Pc, List<SourceLocation> Frames)> RunAndParse(string binary)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{binary} failed: {stderr.Result}");
        var result = new List<(ulong, List<SourceLocation>)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("pc 0x", StringComparison.Ordinal))
                result.Add((ulong.Parse(line.AsSpan(5), NumberStyles.HexNumber), []));
            else if (line.StartsWith("frame ", StringComparison.Ordinal))
            {
                // "frame FUNC FILE:LINE": function names have no spaces here; the line follows the last colon.
                var parts = line.Split(' ', 3);
                var colon = parts[2].LastIndexOf(':');
                result[^1].Item2.Add(new SourceLocation(parts[1], parts[2][..colon], int.Parse(parts[2][(colon + 1)..])));
            }
        }
        Assert.NotEmpty(result);
        return result;
    }
}
