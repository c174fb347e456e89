using SideEye.Probes.Specs;

namespace SideEye.Interactive.Formatters;

/// <summary>
/// What #!sideeye capture and spec return: the capture spec, the file it is kept in, and, when a process running
/// the edited program was found, each expression checked against that process's binary.
/// </summary>
/// <param name="CheckedAgainst">Which process the checks were made against; null when none runs the program.</param>
public sealed record SpecView(CaptureSpec Spec, string Path, IReadOnlyList<SpecCheckLine>? Checks, string? CheckedAgainst);
