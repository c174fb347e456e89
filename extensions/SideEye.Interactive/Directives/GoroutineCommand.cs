using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye goroutine --goid N | --in FUNC | --report NAME [--row K] [--pid P] [--where SELECTOR …] [--snapshot ID] [--db FILE].</summary>
public sealed class GoroutineCommand : KernelDirectiveCommand
{
    public long? Goid { get; set; }
    public string? In { get; set; }
    public string? Report { get; set; }
    public int? Row { get; set; }
    public int? Pid { get; set; }
    public long? Snapshot { get; set; }
    public string? Db { get; set; }
}
