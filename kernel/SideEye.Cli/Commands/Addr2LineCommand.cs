using System.CommandLine;
using System.Globalization;
using SideEye.GoRuntime;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye addr2line BINARY [PC...]: prints, per PC, the function and file:line exactly as `go tool addr2line`
/// does; with --inline, the whole inlined chain innermost first as "FUNC FILE:LINE" lines. Without PC arguments
/// the PCs are read from standard input, one a line, as go tool addr2line reads them. A PC that cannot be answered
/// (its tables are corrupt) prints "?" and "?:0" with the reason on standard error, and the rest are answered;
/// the exit code is then 1.
/// </summary>
public static class Addr2LineCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var binary = new Argument<string>("binary") { Description = "Go executable" };
        var pcs = new Argument<string[]>("pc") { Description = "program counters in hex, with or without 0x (none: read them from standard input, one a line)", Arity = ArgumentArity.ZeroOrMore };
        var inline = new Option<bool>("--inline") { Description = "print the inlined call chain for each PC, innermost first" };
        var command = new Command("addr2line", "map program counters to functions and source lines") { binary, pcs, inline };
        command.SetAction(parse =>
        {
            var given = parse.GetValue(pcs) ?? [];
            var path = parse.GetValue(binary)!;
            var bin = GoBinary.Open(path);
            var table = bin.Pclntab;
            var inlineChain = parse.GetValue(inline);
            var failed = 0;
            foreach (var text in given.Length > 0 ? given : Lines(stdin))
            {
                var pc = ParsePc(text);
                try
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
                catch (SideEyeException e)
                {
                    // This PC's answer only: the others still get theirs, in order.
                    failed++;
                    stdout.WriteLine(inlineChain ? "? ?:0" : "?\n?:0");
                    stderr.WriteLine($"sideeye: {path}: 0x{pc:x}: {e.Message}");
                }
            }
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    static IEnumerable<string> Lines(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
            if (line.Trim() is { Length: > 0 } pc) yield return pc;
    }

    static ulong ParsePc(string text)
    {
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var pc) && hex.Length > 0
            ? pc
            : throw new SideEyeException($"'{text}' is not a hexadecimal address");
    }
}
