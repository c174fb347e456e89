using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye report NAME [--snapshot ID] [--pid PID] [--where SELECTOR …] [--db FILE]: NAME is the line's word after the subcommand.</summary>
public sealed class ReportCommand : KernelDirectiveCommand
{
    public long? Snapshot { get; set; }
    public int? Pid { get; set; }
    public string? Db { get; set; }
}
