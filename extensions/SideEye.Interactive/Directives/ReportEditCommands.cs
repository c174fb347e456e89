using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye column FUNC NAME [--type TYPE] [--exe NAME] = SQL, or column FUNC NAME --remove.</summary>
public sealed class ColumnCommand : KernelDirectiveCommand
{
    public string? Type { get; set; }
    public string? Exe { get; set; }
    public bool Remove { get; set; }
}

/// <summary>#!sideeye table NAME [--description TEXT] = SQL, or table NAME --remove.</summary>
public sealed class TableCommand : KernelDirectiveCommand
{
    public string? Description { get; set; }
    public bool Remove { get; set; }
}

/// <summary>#!sideeye link NAME FROM(COLUMN,…) TO(COLUMN,…), or link NAME --remove.</summary>
public sealed class LinkCommand : KernelDirectiveCommand
{
    public bool Remove { get; set; }
}
