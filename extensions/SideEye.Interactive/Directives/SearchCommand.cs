using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye search TEXT [--snapshot ID] [--db FILE]: the text is the line's words after the subcommand.</summary>
public sealed class SearchCommand : KernelDirectiveCommand
{
    public long? Snapshot { get; set; }
    public string? Db { get; set; }
}
