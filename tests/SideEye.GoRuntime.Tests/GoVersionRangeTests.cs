using System.Text;
using SideEye.Binary.Elf;
using SideEye.GoRuntime.Versions;
using SideEye.Testing;

namespace SideEye.GoRuntime.Tests;

/// <summary>A binary from a release outside go1.19–go1.26 gets a clear error for the runtime model.</summary>
public class GoVersionRangeTests
{
    [Theory]
    [InlineData("1.19", "go1.18")]
    [InlineData("1.26", "go1.27")]
    public void RuntimeModelRefusesReleasesOutsideTheSupportedRange(string release, string claimed)
    {
        // Rewrite the version in .go.buildinfo (same length) in a copy of a real binary.
        var path = GoFixture.Build("inlined", release);
        var bytes = File.ReadAllBytes(path);
        var actual = GoBuildInfo.Read(ElfImage.Parse(path, bytes))!.GoVersion;
        var section = ElfImage.Parse(path, bytes).FindSection(".go.buildinfo")!;
        var at = bytes.AsSpan((int)section.FileOffset, (int)section.Size).IndexOf(Encoding.ASCII.GetBytes(actual));
        Assert.True(at > 0);
        var fake = claimed + actual["go1.NN".Length..];
        Encoding.ASCII.GetBytes(fake).CopyTo(bytes, section.FileOffset + at);

        var bin = GoBinary.FromImage(ElfImage.Parse("patched", bytes));
        Assert.Equal(fake, bin.Version.Text);
        var e = Assert.Throws<UnsupportedGoVersionException>(() => bin.Runtime);
        Assert.Equal($"patched: built with {fake}, SideEye supports {GoVersion.SupportedRange}", e.Message);
        // Symbolization does not depend on the runtime model and keeps working.
        Assert.Equal("main.main", bin.Pclntab.Lookup(bin.Pclntab.Functions.First(f => f.Name == "main.main").Entry).Function);
    }
}
