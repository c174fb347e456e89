using SideEye.Binary.Elf;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Elf;

public class GoBuildInfoTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void VersionAndModuleMatchGoVersionM(string release)
    {
        var toolchain = GoToolchains.Get(release);
        foreach (var flags in new[] { GoBuildFlags.Default, GoBuildFlags.Stripped })
        {
            var binary = GoFixture.Build("demo", toolchain, flags);
            // `go version -m` prints "BINARY: go1.x.y", then "\tpath\t…", "\tmod\t…", "\tbuild\tK=V" lines.
            var lines = toolchain.Run(RepoPaths.TestData, "version", "-m", binary).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var info = GoBuildInfo.Read(ElfImage.Open(binary));
            Assert.NotNull(info);
            Assert.Equal(lines[0][(binary.Length + 2)..].Trim(), info.GoVersion);
            Assert.Equal(Field(lines, "path"), info.MainPath);
            var settings = lines.Select(l => l.Trim().Split('\t')).Where(p => p[0] == "build").Select(p => p[1]).ToArray();
            Assert.Equal(settings.Length, info.Settings.Count);
            foreach (var s in settings)
            {
                var eq = s.IndexOf('=');
                Assert.Equal(s[(eq + 1)..], info.Settings[s[..eq]]);
            }
        }
    }

    static string? Field(string[] lines, string key) =>
        lines.Select(l => l.Trim().Split('\t')).FirstOrDefault(p => p[0] == key)?.ElementAtOrDefault(1);
}
