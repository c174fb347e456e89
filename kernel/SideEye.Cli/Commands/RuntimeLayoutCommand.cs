using System.CommandLine;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Layouts.Releases;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye runtime-layout BINARY [--out DIR]: the runtime layout data of BINARY's Go release, read from its DWARF, as
/// shipped in kernel/SideEye.GoRuntime/Layouts/Releases/Data (.ci/generate-runtime-layouts runs it per toolchain).
/// </summary>
public static class RuntimeLayoutCommand
{
    public static Command Create(TextWriter stdout)
    {
        var binary = new Argument<string>("binary") { Description = "Go executable with DWARF that sets pprof labels (testdata/parked)" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "write RELEASE.json into this folder instead of printing it" };
        var command = new Command("runtime-layout", "write a Go release's runtime layout data from a binary's DWARF") { binary, output };
        command.SetAction(parse =>
        {
            var bin = GoBinary.Open(parse.GetValue(binary)!);
            var dwarf = bin.Dwarf ?? throw new SideEyeException($"{bin.NoDwarf}; the layout data is generated from DWARF");
            if (!bin.Version.IsSupported) throw new UnsupportedGoVersionException(bin.Path, bin.Version);
            var json = ReleaseLayout.FromDwarf(dwarf, bin.Version).ToJson();
            if (parse.GetValue(output) is { } folder)
            {
                var path = Path.Combine(folder.FullName, bin.Version.Text + ".json");
                File.WriteAllText(path, json);
                stdout.WriteLine(path);
            }
            else stdout.Write(json);
            return 0;
        });
        return command;
    }
}
