using SideEye.Snapshots.Fleets;

namespace SideEye.Interactive.Formatters;

/// <summary>What #!sideeye fleet and, on a fleet, #!sideeye targets return: every selected process of the fleet and a row for each agent that could not be asked.</summary>
public sealed record FleetTargets(string FleetFile, IReadOnlyList<FleetTarget> Targets, IReadOnlyList<string> Where);
