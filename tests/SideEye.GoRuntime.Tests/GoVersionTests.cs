using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime.Tests;

public class GoVersionTests
{
    [Theory]
    [InlineData("go1.19.8", 1, 19, 8, true)]
    [InlineData("go1.26.10", 1, 26, 10, true)]
    [InlineData("go1.26rc1", 1, 26, 0, true)]
    [InlineData("go1.18.10", 1, 18, 10, false)]
    [InlineData("go1.27.1", 1, 27, 1, false)]
    [InlineData("go1.22.12 X:nocoverageredesign", 1, 22, 12, true)]
    public void ParsesAndChecksRange(string text, int major, int minor, int patch, bool supported)
    {
        var v = GoVersion.TryParse(text)!.Value;
        Assert.Equal((major, minor, patch), (v.Major, v.Minor, v.Patch));
        Assert.Equal(supported, v.IsSupported);
    }

    [Theory]
    [InlineData("devel +abc")]
    [InlineData("")]
    [InlineData("1.22")]
    public void RejectsNonVersions(string text) => Assert.Null(GoVersion.TryParse(text));

    [Fact]
    public void OrdersNumerically() =>
        Assert.True(GoVersion.TryParse("go1.9")!.Value.CompareTo(GoVersion.TryParse("go1.19")!.Value) < 0);
}
