using SideEye.Binary.Elf;
using SideEye.GoRuntime;

namespace SideEye.Cli.Commands;

/// <summary>What `sideeye inspect` reports about a binary; serialised as text or JSON.</summary>
public sealed record InspectReport(
    string File,
    string GoVersion,
    string Architecture,
    string? GnuBuildId,
    string? GoBuildId,
    string? MainModule,
    InspectReport.DwarfSummary? Dwarf,
    InspectReport.PclntabSummary Pclntab,
    InspectReport.RuntimeSummary? Runtime,
    string? RuntimeError)
{
    /// <param name="DebugFile">Where the DWARF came from when not from the file itself (a separate debug file); null otherwise.</param>
    public sealed record DwarfSummary(int Version, bool Compressed, int CompileUnits, int Functions, int Types, string? DebugFile = null);
    public sealed record PclntabSummary(string Format, int Functions, int Files);
    public sealed record FieldSummary(string Field, int Offset, int Size, string Type);
    public sealed record RuntimeSummary(int GSize, int MSize, IReadOnlyList<FieldSummary> Fields,
        IReadOnlyDictionary<string, string> Variables, IReadOnlyDictionary<string, long> Statuses, IReadOnlyList<string> WaitReasons, string From);

    public static InspectReport From(GoBinary bin)
    {
        var dwarf = bin.Dwarf is { } d
            ? new DwarfSummary(d.Version, d.IsCompressed, d.CompileUnits.Count, d.FunctionCount, d.TypeCount, bin.DebugFileAt)
            : null;
        RuntimeSummary? runtime = null;
        string? runtimeError = null;
        try
        {
            var model = bin.Runtime;
            runtime = new RuntimeSummary(
                model.Layout.GSize, model.Layout.MSize,
                model.Layout.Fields.Select(kv => new FieldSummary(kv.Key, kv.Value.Offset, kv.Value.Size, kv.Value.TypeName)).ToArray(),
                new Dictionary<string, string>
                {
                    ["runtime.allgs"] = Hex(model.Variables.AllGs),
                    ["runtime.allglen"] = Hex(model.Variables.AllGLen),
                    ["runtime.firstmoduledata"] = Hex(model.Variables.FirstModuleData),
                },
                model.Statuses.ByName,
                model.WaitReasons.Strings,
                model.Origin.ToString());
        }
        catch (SideEyeException e)
        {
            runtimeError = e.Message;
        }
        return new InspectReport(bin.Path, bin.Version.Text, bin.Image.Architecture.GoArch(), bin.Image.GnuBuildId, bin.Image.GoBuildId,
            bin.BuildInfo?.MainModule ?? bin.BuildInfo?.MainPath, dwarf,
            new PclntabSummary(bin.Pclntab.GoVersionRange, bin.Pclntab.Functions.Count, bin.Pclntab.Files.Count),
            runtime, runtimeError);
    }

    static string Hex(ulong value) => "0x" + value.ToString("x");
}
