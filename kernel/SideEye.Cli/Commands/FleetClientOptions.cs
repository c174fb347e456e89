using System.CommandLine;
using SideEye.Fleet.Files;
using SideEye.Snapshots.Fleets;
using SideEye.Snapshots.Selection;

namespace SideEye.Cli.Commands;

/// <summary>
/// The options that point a command at a whole fleet instead of one machine: --fleet FILE (the team's fleet file)
/// and --where SELECTOR (repeat: all must hold), with the per-agent deadline from <see cref="AgentClientOptions"/>.
/// </summary>
public sealed class FleetClientOptions
{
    readonly Option<string?> _fleet = new("--fleet") { Description = "the fleet file (JSON): its agents, the client's certificates and the program rules" };
    readonly Option<string[]> _where = WhereOption.Create();

    public void AddTo(Command command, bool withFleet = true)
    {
        if (withFleet) command.Options.Add(_fleet);
        command.Options.Add(_where);
    }

    public bool IsFleet(ParseResult parse) => parse.GetValue(_fleet) is not null;

    /// <summary>The selectors given, parsed (a malformed one is one line naming it).</summary>
    public IReadOnlyList<Selector> Where(ParseResult parse) => Selector.ParseAll(parse.GetValue(_where));

    /// <summary>Selectors choose among a fleet's labelled processes: without --fleet they are a mistake, said in one line.</summary>
    public void RefuseWhereWithoutFleet(ParseResult parse)
    {
        if (!IsFleet(parse) && Where(parse).Count > 0) throw new SideEyeException("--where chooses among a fleet's processes: give --fleet FILE too");
    }

    /// <summary>The fleet named by --fleet, its agents resolved and connections opened; null without --fleet.</summary>
    public async Task<FleetSnapshotter?> OpenAsync(ParseResult parse, AgentClientOptions agent, FleetSnapshotOptions? options, CancellationToken cancellation)
    {
        if (parse.GetValue(_fleet) is not { } path) return null;
        if (agent.IsRemote(parse)) throw new SideEyeException("--fleet and --agent: say one (the fleet file names its agents)");
        var fleet = FleetFile.Load(path);
        return await FleetSnapshotter.OpenAsync(fleet, (options ?? new FleetSnapshotOptions()) with { Timeout = agent.Timeout(parse) }, cancellation);
    }
}
