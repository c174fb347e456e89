using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye stacks, as the framework binds it (each property is the parameter of the same name without its dashes).</summary>
public sealed class StacksCommand : KernelDirectiveCommand
{
    public string? Db { get; set; }
    public long? Snapshot { get; set; }
    public int? Pid { get; set; }
    public string? Filter { get; set; }
}
