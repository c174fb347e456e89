using SideEye.GoRuntime.Processes;

namespace SideEye.Interactive.Formatters;

/// <summary>What #!sideeye targets returns: the Go processes found, here or on an agent's machine (<see cref="Agent"/>), for C# cells and for the HTML table.</summary>
public sealed record GoTargets(IReadOnlyList<GoProcessInfo> Processes, string? Agent = null);
