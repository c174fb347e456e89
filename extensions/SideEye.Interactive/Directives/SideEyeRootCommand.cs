using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>
/// #!sideeye without a known subcommand. The framework hands an unknown subcommand to the root, so the root
/// takes one implicit word, <see cref="Subcommand"/>, to be able to name it in the error.
/// </summary>
public sealed class SideEyeRootCommand : KernelDirectiveCommand
{
    public string? Subcommand { get; set; }
}
