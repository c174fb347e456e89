using System.CommandLine;
using SideEye.Agent.Hosting;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye agent [--listen https://IP:PORT | unix:PATH]… [--cert PEM --key PEM --client-ca PEM] [--allow PATTERN]…
/// [--audit FILE] [--group NAME] [--max-pause-ms MS] [--max-map-mb MB] [--probe-idle-s S]: runs the agent, the
/// privileged half of snapshots as an authenticated service for clients on other machines (or other users of this
/// one), until SIGTERM. It checks its options, certificates, privileges and kernel first; any problem is one line
/// and exit code 1, and nothing listens.
/// </summary>
public static class AgentCommand
{
    public static Command Create(TextWriter stdout)
    {
        var listen = new Option<string[]>("--listen")
        {
            Description = $"where to listen: https://IP:PORT (TLS 1.3, client certificates required) or unix:PATH (root, or --group, only); repeat for several (default unix:{ListenAddress.DefaultSocket})",
        };
        var cert = new Option<string?>("--cert") { Description = "the agent's certificate (PEM; sideeye certs issue --role agent)" };
        var key = new Option<string?>("--key") { Description = "the agent certificate's key (PEM)" };
        var clientCa = new Option<string?>("--client-ca") { Description = "the fleet CA (PEM): the only issuer of client certificates the agent accepts" };
        var allow = new Option<string[]>("--allow") { Description = "executables that may be snapshotted: a path pattern (with '/') or a file-name pattern, '*' and '?' as wildcards; repeat for several (default: every Go process)" };
        var audit = new Option<string?>("--audit") { Description = "also append the audit log (one JSON line a request) to this file" };
        var group = new Option<string?>("--group") { Description = "a group whose members may use the Unix socket besides root" };
        var maxPause = new Option<int>("--max-pause-ms") { Description = "the longest pause a job may ask for", DefaultValueFactory = _ => 1000 };
        var maxMap = new Option<int>("--max-map-mb") { Description = "the most memory one job's maps may take", DefaultValueFactory = _ => 1024 };
        var idle = new Option<int>("--probe-idle-s") { Description = "unload a probe no call has used for this many seconds", DefaultValueFactory = _ => 600 };
        var command = new Command("agent", "run the SideEye agent: snapshots for authenticated clients, over TLS or a Unix socket")
        {
            listen, cert, key, clientCa, allow, audit, group, maxPause, maxMap, idle,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            if (parse.GetValue(maxPause) is < 1 or > 60_000) throw new AgentStartupException($"--max-pause-ms must be from 1 to 60000, not {parse.GetValue(maxPause)}");
            if (parse.GetValue(maxMap) is < 16 or > 65_536) throw new AgentStartupException($"--max-map-mb must be from 16 to 65536, not {parse.GetValue(maxMap)}");
            if (parse.GetValue(idle) is < 1) throw new AgentStartupException($"--probe-idle-s must be positive, not {parse.GetValue(idle)}");
            AgentRuntimeSettings.Ensure(Console.Error);
            var options = new AgentOptions
            {
                Listen = (parse.GetValue(listen) ?? []).Select(ListenAddress.Parse).ToArray(),
                CertificatePath = parse.GetValue(cert),
                KeyPath = parse.GetValue(key),
                ClientCaPath = parse.GetValue(clientCa),
                Allow = parse.GetValue(allow) ?? [],
                AuditPath = parse.GetValue(audit),
                SocketGroup = parse.GetValue(group),
                MaxPause = TimeSpan.FromMilliseconds(parse.GetValue(maxPause)),
                MaxMapBytes = (ulong)parse.GetValue(maxMap) << 20,
                ProbeIdle = TimeSpan.FromSeconds(parse.GetValue(idle)),
            };
            await AgentHost.RunAsync(options, stdout, cancellation);
            return 0;
        });
        return command;
    }
}
