using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye spec show|load FILE|save FILE: the action and file are words of the line, read from the submitted text.</summary>
public sealed class SpecCommand : KernelDirectiveCommand;
