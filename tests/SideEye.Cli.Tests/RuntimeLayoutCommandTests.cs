using SideEye.GoRuntime;
using SideEye.GoRuntime.Layouts.Releases;
using SideEye.Testing;

namespace SideEye.Cli.Tests;

/// <summary>
/// `sideeye runtime-layout`, the command the shipped layout data is written with: run on each toolchain's build it
/// writes RELEASE.json with the layout the shipped data has for that release; a binary without DWARF, or one that
/// never sets pprof labels, is one line and exit 1.
/// </summary>
public sealed class RuntimeLayoutCommandTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("sideeye-layouts-").FullName;

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void It_writes_the_layout_the_shipped_data_has(string release)
    {
        var binary = GoFixture.Build("parked", release);
        var version = GoBinary.Open(binary).Version;
        var result = CliRunner.Run("runtime-layout", binary, "--out", _folder);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var written = Path.Combine(_folder, version.Text + ".json");
        Assert.Equal([written], result.StdoutLines);
        var layout = ReleaseLayout.FromJson(File.ReadAllText(written), written);
        Assert.Equal(version.Text, layout.Version);
        Assert.True(ReleaseLayouts.Find(version)!.Value.Layout.SameLayoutAs(layout));
    }

    [Fact]
    public void A_binary_without_DWARF_or_without_labels_is_one_line()
    {
        var stripped = CliRunner.Run("runtime-layout", GoFixture.Build("parked", GoToolchains.Newest, GoBuildFlags.Stripped));
        Assert.Equal(1, stripped.ExitCode);
        Assert.Contains("the layout data is generated from DWARF", Assert.Single(stripped.StderrLines));
        var unlabelled = CliRunner.Run("runtime-layout", GoFixture.Build("demo", GoToolchains.Newest));
        Assert.Equal(1, unlabelled.ExitCode);
        Assert.Contains("has no runtime/pprof.labelMap", Assert.Single(unlabelled.StderrLines));
    }

    public void Dispose() => Directory.Delete(_folder, true);
}
