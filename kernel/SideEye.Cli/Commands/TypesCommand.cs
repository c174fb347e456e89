using System.CommandLine;
using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime;

namespace SideEye.Cli.Commands;

/// <summary>sideeye types BINARY TYPENAME: the memory layout of a Go type from the binary's DWARF.</summary>
public static class TypesCommand
{
    public static Command Create(TextWriter stdout)
    {
        var binary = new Argument<string>("binary") { Description = "Go executable with DWARF" };
        var typeName = new Argument<string>("type") { Description = "Go type name, e.g. main.Order, runtime.g, []string, map[string]int" };
        var debugDir = DebugDirOption.Create();
        var command = new Command("types", "print the layout of a Go type") { binary, typeName, debugDir };
        command.SetAction(parse =>
        {
            var bin = GoBinary.Open(parse.GetValue(binary)!, DebugDirOption.Sources(parse, debugDir));
            var name = parse.GetValue(typeName)!;
            var dwarf = bin.Dwarf ?? throw new SideEyeException($"{bin.NoDwarf}; type layouts need it");
            var type = dwarf.FindType(name) ?? throw new SideEyeException($"{bin.Path}: no type named '{name}' in DWARF");
            stdout.Write(GoTypeLayoutPrinter.Print(type));
            return 0;
        });
        return command;
    }
}
