using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye targets: no parameters.</summary>
public sealed class TargetsCommand : KernelDirectiveCommand;
