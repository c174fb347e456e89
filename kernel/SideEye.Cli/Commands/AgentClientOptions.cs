using System.CommandLine;
using SideEye.Remote.Connection;
using SideEye.Snapshots.Collection;

namespace SideEye.Cli.Commands;

/// <summary>
/// The options that point a command at another machine's agent instead of this machine: --agent URL with the
/// client's TLS identity (--cert, --key, --ca, or SIDEEYE_CERT, SIDEEYE_KEY, SIDEEYE_CA) and --timeout; and the
/// machine they name, local or remote, as an <see cref="ISnapshotter"/>.
/// </summary>
public sealed class AgentClientOptions
{
    readonly Option<string?> _agent = new("--agent") { Description = "the agent to work through: https://HOST:PORT or unix:PATH (default: this machine, in-process)" };
    readonly Option<string?> _cert = new("--cert") { Description = "client certificate (PEM) for a TLS agent (or SIDEEYE_CERT)" };
    readonly Option<string?> _key = new("--key") { Description = "the client certificate's key (PEM) (or SIDEEYE_KEY)" };
    readonly Option<string?> _ca = new("--ca") { Description = "the fleet CA (PEM) the agent's certificate must chain to (or SIDEEYE_CA)" };
    readonly Option<int> _timeout = new("--timeout")
    {
        Description = "seconds any one call to the agent may take",
        DefaultValueFactory = _ => 30,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_agent);
        command.Options.Add(_cert);
        command.Options.Add(_key);
        command.Options.Add(_ca);
        command.Options.Add(_timeout);
    }

    public bool IsRemote(ParseResult parse) => parse.GetValue(_agent) is not null;

    /// <summary>How long any one call to an agent may take (--timeout), checked.</summary>
    public TimeSpan Timeout(ParseResult parse)
    {
        var timeout = parse.GetValue(_timeout);
        return timeout > 0 ? TimeSpan.FromSeconds(timeout) : throw new SideEyeException($"--timeout must be positive, not {timeout}");
    }

    /// <summary>The connection to the agent named, or null without --agent.</summary>
    public AgentConnection? Connect(ParseResult parse)
    {
        if (parse.GetValue(_agent) is not { } url) return null;
        var timeout = Timeout(parse);
        var address = AgentAddress.Parse(url);
        var credentials = address.IsUnix ? null : AgentCredentials.From(parse.GetValue(_cert), parse.GetValue(_key), parse.GetValue(_ca));
        return AgentConnection.Open(address, credentials, timeout);
    }
}
