using SideEye.Testing;

namespace SideEye.Cli.Tests;

/// <summary>sideeye spec check: each expression with its type, errors on their own lines, exit 1 when any cannot work.</summary>
public sealed class SpecCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sideeye-spec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Spec(string json)
    {
        var path = Path.Combine(_dir, "spec.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void A_good_spec_prints_every_expression_with_its_type()
    {
        var spec = Spec("""
            { "version": 1, "programs": [ { "binary": "demo", "functions": [
              { "function": "main.process", "capture": ["j.Name", "len(j.Payload)"] },
              { "function": "main.(*Cache).Put", "capture": ["c.items"] } ] } ] }
            """);
        var r = CliRunner.Run("spec", "check", spec, GoFixture.Build("demo", GoToolchains.Newest));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Equal(["main.process\tj.Name\tstring", "main.process\tlen(j.Payload)\tint", "main.(*Cache).Put\tc.items\tmap[string]*main.Job", "3 expressions ok"], r.StdoutLines);
    }

    [Fact]
    public void Every_problem_gets_its_line_and_the_exit_is_an_error()
    {
        var spec = Spec("""
            { "version": 1, "programs": [ { "binary": "demo", "functions": [
              { "function": "main.process", "capture": ["j.Nmae", "j.ID"] },
              { "function": "main.proces", "capture": ["j"] } ] } ] }
            """);
        var r = CliRunner.Run("spec", "check", spec, GoFixture.Build("demo", GoToolchains.Newest));
        Assert.Equal(CliApp.ExitError, r.ExitCode);
        Assert.Contains(r.StdoutLines, l => l.StartsWith("main.process\tj.Nmae\terror: ", StringComparison.Ordinal) && l.Contains("did you mean Name?"));
        Assert.Contains("main.process\tj.ID\tint64", r.StdoutLines);
        Assert.Contains(r.StdoutLines, l => l.StartsWith("main.proces\tj\terror: ", StringComparison.Ordinal) && l.Contains("did you mean main.process?"));
        Assert.Equal("2 of 3 expressions cannot be captured", r.StdoutLines[^1]);
    }

    [Fact]
    public void A_spec_without_the_binary_or_a_broken_file_is_one_line()
    {
        var binary = GoFixture.Build("demo", GoToolchains.Newest);
        var other = CliRunner.Run("spec", "check", Spec("""{ "programs": [ { "binary": "api", "functions": [] } ] }"""), binary);
        Assert.Equal(CliApp.ExitError, other.ExitCode);
        Assert.Equal($"sideeye: {Path.Combine(_dir, "spec.json")}: no program for binary \"demo\" (programs: api)", other.Stderr.Trim());

        var broken = CliRunner.Run("spec", "check", Spec("""{ "programs": [ { "binary": "demo", "functions": [ { "function": "f", "capture": ["a..b"] } ] } ] }"""), binary);
        Assert.Equal(CliApp.ExitError, broken.ExitCode);
        Assert.Single(broken.Stderr.Trim().Split('\n'));
        Assert.Contains("programs[0].functions[0].capture[0]: expected a field name after '.', found '.'", broken.Stderr);

        var missing = CliRunner.Run("spec", "check", Path.Combine(_dir, "nope.json"), binary);
        Assert.Equal(CliApp.ExitError, missing.ExitCode);
        Assert.Contains("cannot read the spec", missing.Stderr);
    }
}
