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
            var groups = InlinedFixture.PhysicalFrames(toolchain, binary, InlinedFixture.Run(binary));
            var inlinedGroups = 0;
            foreach (var group in groups)
            {
                var expected = group.Frames.Select(f => new SourceLocation(f.Function, f.File, f.Line)).ToList();
                var actual = table.LookupInlined(group.Pc - 1).Select(l => l with { Wrapper = false }).ToList();
                Assert.True(expected.SequenceEqual(actual),
                    $"{binary} pc 0x{group.Pc:x}:\n expected {string.Join(" <- ", expected)}\n actual   {string.Join(" <- ", actual)}");
                if (expected.Count > 1) inlinedGroups++;
            }
            Assert.True(inlinedGroups >= 4, $"only {inlinedGroups} of {groups.Count} physical frames had inlined calls");
        }
    }
}
