using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye targets [--agent URL]: the Go processes here, on the connected agent's machine, or on that agent's.</summary>
public sealed class TargetsCommand : KernelDirectiveCommand
{
    public string? Agent { get; set; }
}
