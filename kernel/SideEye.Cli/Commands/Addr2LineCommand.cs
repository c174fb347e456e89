using System.CommandLine;
using System.Globalization;
using SideEye.GoRuntime;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye addr2line BINARY PC...: prints, per PC, the function and file:line exactly as `go tool addr2line`
/// does; with --inline, the whole inlined chain innermost first as "FUNC FILE:LINE" lines.
/// </summary>
public static class Addr2LineCommand
{
    public static Command Create(TextWriter stdout)
    {
        var binary = new Argument<string>("binary") { Description = "Go executable" };
        var pcs = new Argument<string[]>("pc") { Description = "program counters in hex, with or without 0x", Arity = ArgumentArity.OneOrMore };
        var inline = new Option<bool>("--inline") { Description = "print the inlined call chain for each PC, innermost first" };
        var command = new Command("addr2line", "map program counters to functions and source lines") { binary, pcs, inline };
        command.SetAction(parse =>
        {
            var addresses = parse.GetValue(pcs)!.Select(ParsePc).ToArray();
            var bin = GoBinary.Open(parse.GetValue(binary)!);
            var table = bin.Pclntab;
            var inlineChain = parse.GetValue(inline);
            foreach (var pc in addresses)
            {
                if (inlineChain)
                {
                    foreach (var frame in table.LookupInlined(pc)) stdout.WriteLine($"{frame.Function} {frame.File}:{frame.Line}");
                }
                else
                {
                    var location = table.Lookup(pc);
                    stdout.WriteLine(location.Function);
                    stdout.WriteLine($"{location.File}:{location.Line}");
                }
            }
            return 0;
        });
        return command;
    }

    static ulong ParsePc(string text)
    {
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var pc) && hex.Length > 0
            ? pc
            : throw new SideEyeException($"'{text}' is not a hexadecimal address");
    }
}
