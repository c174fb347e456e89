using System.CommandLine;
using System.Text.Json;
using SideEye.GoRuntime;

namespace SideEye.Cli.Commands;

/// <summary>sideeye inspect BINARY [--json]: the binary model SideEye builds for a Go executable.</summary>
public static class InspectCommand
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(TextWriter stdout)
    {
        var binary = new Argument<string>("binary") { Description = "Go executable" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of text" };
        var debugDir = DebugDirOption.Create();
        var command = new Command("inspect", "show Go version, DWARF, runtime tables and the runtime layout of a binary") { binary, json, debugDir };
        command.SetAction(parse =>
        {
            var report = InspectReport.From(GoBinary.Open(parse.GetValue(binary)!, DebugDirOption.Sources(parse, debugDir)));
            if (parse.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(report, Json));
            else WriteText(report, stdout);
            return 0;
        });
        return command;
    }

    static void WriteText(InspectReport r, TextWriter o)
    {
        o.WriteLine($"file           {r.File}");
        o.WriteLine($"go version     {r.GoVersion}");
        o.WriteLine($"architecture   {r.Architecture}");
        o.WriteLine($"build id       {r.GnuBuildId ?? "-"} (GNU), {r.GoBuildId ?? "-"} (Go)");
        o.WriteLine($"main module    {r.MainModule ?? "-"}");
        o.WriteLine(r.Dwarf is { } d
            ? $"dwarf          version {d.Version}, {(d.Compressed ? "zlib-compressed" : "uncompressed")}, {d.CompileUnits} compile units, {d.Functions} functions, {d.Types} types{(d.DebugFile is { } from ? $", from {from}" : "")}"
            : "dwarf          none (stripped, and no separate debug file found)");
        o.WriteLine($"pclntab        format {r.Pclntab.Format}, {r.Pclntab.Functions} functions, {r.Pclntab.Files} files");
        if (r.Runtime is not { } rt)
        {
            o.WriteLine($"runtime        unavailable: {r.RuntimeError}");
            return;
        }
        o.WriteLine($"runtime        g is {rt.GSize} bytes, m is {rt.MSize} bytes, from {rt.From}");
        foreach (var f in rt.Fields) o.WriteLine($"  {f.Field,-18} offset {f.Offset,4}  size {f.Size}  {f.Type}");
        foreach (var (name, address) in rt.Variables) o.WriteLine($"  {name,-24} {address}");
        WriteWrapped(o, "  statuses       ", rt.Statuses.OrderBy(kv => kv.Value).Select(kv => $"{kv.Key}={kv.Value}"));
        WriteWrapped(o, $"  wait reasons   ", rt.WaitReasons.Select((w, i) => $"{i}=\"{w}\""));
    }

    /// <summary>Lists items after a label, continuing on indented lines of at most about 110 characters.</summary>
    static void WriteWrapped(TextWriter o, string label, IEnumerable<string> items)
    {
        var line = new System.Text.StringBuilder(label);
        foreach (var item in items)
        {
            if (line.Length > label.Length && line.Length + 1 + item.Length > 110)
            {
                o.WriteLine(line.ToString());
                line.Clear().Append(' ', label.Length);
            }
            if (line.Length > label.Length) line.Append(' ');
            line.Append(item);
        }
        o.WriteLine(line.ToString());
    }
}
