using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye debug-dir [--dir DIR]: look for stripped executables' debug files in DIR too (and say where they are looked for).</summary>
public sealed class DebugDirCommand : KernelDirectiveCommand
{
    public string? Dir { get; set; }
}
