using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>
/// #!sideeye snapshot, as the framework binds it: each property is the parameter of the same name without its
/// dashes. Pid is text ("1,2"): this version of the framework drops a parameter given more than once.
/// </summary>
public sealed class SnapshotCommand : KernelDirectiveCommand
{
    public string? Pid { get; set; }
    public string? Exe { get; set; }
    public int? MaxFrames { get; set; }
    public string? Note { get; set; }
    public string? Db { get; set; }
    public string? Agent { get; set; }
}
