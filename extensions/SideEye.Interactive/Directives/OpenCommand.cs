using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye open FILE: the DuckDB file the other subcommands use from now on (a postmortem reopens one).</summary>
public sealed class OpenCommand : KernelDirectiveCommand
{
    public string? File { get; set; }
}
