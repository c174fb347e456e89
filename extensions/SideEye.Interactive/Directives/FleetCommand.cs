using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye fleet FILE [--timeout S]: work on the fleet that file names (its agents, certificates and program rules) from now on.</summary>
public sealed class FleetCommand : KernelDirectiveCommand
{
    public string? File { get; set; }
    public int? Timeout { get; set; }
}
