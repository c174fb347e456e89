using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye disconnect: back to this machine.</summary>
public sealed class DisconnectCommand : KernelDirectiveCommand;
