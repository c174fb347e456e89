using SideEye.GoRuntime.Processes;
using SideEye.Snapshots.Collection;

namespace SideEye.Interactive.Formatters;

/// <summary>What #!sideeye targets returns: the Go processes found, for C# cells and for the HTML table.</summary>
public sealed record GoTargets(IReadOnlyList<GoProcessInfo> Processes);
