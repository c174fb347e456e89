using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye diff, as the framework binds it (each property is the parameter of the same name without its dashes).</summary>
public sealed class DiffCommand : KernelDirectiveCommand
{
    public long? Before { get; set; }
    public long? After { get; set; }
    public int? Pid { get; set; }
    public string? Db { get; set; }
}
