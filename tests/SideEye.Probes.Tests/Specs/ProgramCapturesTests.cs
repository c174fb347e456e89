using SideEye.Probes.Specs;

namespace SideEye.Probes.Tests.Specs;

/// <summary>A spec means a program by its executable's file name, a binary replaced on disk since it started included.</summary>
public class ProgramCapturesTests
{
    [Theory]
    [InlineData("/srv/api/bin/api", "api")]
    [InlineData("/srv/api/bin/api (deleted)", "api")]
    [InlineData("api", "api")]
    [InlineData("/srv/api (deleted)/bin/api-v2", "api-v2")]
    public void The_program_name_is_the_file_name_without_the_deleted_mark(string path, string name)
    {
        Assert.Equal(name, ProgramCaptures.ProgramName(path));
        Assert.True(new ProgramCaptures(name, []).Matches(path));
        Assert.False(new ProgramCaptures(name + "x", []).Matches(path));
    }
}
