using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Sql;

/// <summary>#!connect sideeye --kernel-name NAME --db FILE: a SQL kernel of its own over another snapshot store.</summary>
public sealed class ConnectSideEyeCommand(string connectedKernelName) : ConnectKernelCommand(connectedKernelName)
{
    public string? Db { get; set; }
}
