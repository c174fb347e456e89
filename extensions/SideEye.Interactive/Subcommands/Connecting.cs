using SideEye.Interactive.Directives;
using SideEye.Interactive.Formatters;
using SideEye.Remote.Connection;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Interactive.Subcommands;

/// <summary>#!sideeye connect and disconnect: which agent the session's live subcommands work through.</summary>
static class Connecting
{
    public static async Task<AgentView> Connect(NotebookSession session, ConnectCommand command)
    {
        // A runbook names its agent once, outside the notebook: SIDEEYE_AGENT, else this machine's agent socket.
        var url = command.Url ?? (Environment.GetEnvironmentVariable("SIDEEYE_AGENT") is { Length: > 0 } configured ? configured : "unix:" + AgentAddress.DefaultSocketPath);
        if (command.Timeout is <= 0) throw new SideEyeException($"--timeout must be positive, not {command.Timeout}");
        var address = AgentAddress.Parse(url);
        var credentials = address.IsUnix ? null : AgentCredentials.From(Full(session, command.Cert), Full(session, command.Key), Full(session, command.Ca));
        var snapshotter = session.Agents.Connect(url, command.Name, credentials, command.Timeout is { } s ? TimeSpan.FromSeconds(s) : null, SideEye.Snapshots.Collection.SnapshotOptions.DefaultMaxFrames);
        M.AgentInfo info;
        try { info = await snapshotter.Agent.Client.InfoAsync(new M.InfoRequest(), snapshotter.Agent.Call()); }
        catch (Grpc.Core.RpcException e)
        {
            session.Agents.Disconnect();
            throw snapshotter.Agent.Describe(e);
        }
        return new AgentView(snapshotter.Agent.Address.ToString(), command.Name, info);
    }

    static string? Full(NotebookSession session, string? path) => path is null ? null : session.FullPath(path);
}
