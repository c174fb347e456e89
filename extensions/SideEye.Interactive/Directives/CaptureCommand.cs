using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>
/// #!sideeye capture FUNC EXPR… [--exe NAME] [--remove]. The function and expressions are words of the line, read
/// from the submitted text (<see cref="DirectiveLineCheck.Invocations"/>): the framework keeps only one such word.
/// </summary>
public sealed class CaptureCommand : KernelDirectiveCommand
{
    public string? Exe { get; set; }
    public bool Remove { get; set; }
}
