using SideEye.Fleet.Agents;
using SideEye.Fleet.Programs;
using SideEye.Fleet.Resolution;
using SideEye.Remote.Connection;

namespace SideEye.Fleet;

/// <summary>
/// A fleet as its file describes it (<see cref="Files.FleetFile.Load"/>): the agents, the client's credentials for
/// TLS agents (null when neither the file nor SIDEEYE_CERT, SIDEEYE_KEY and SIDEEYE_CA say), and the program rules.
/// Nothing here has touched the network; <see cref="ResolveAsync"/> gives the agents to contact.
/// </summary>
/// <param name="Path">The file's full path.</param>
public sealed record FleetSpec(string Path, IReadOnlyList<FleetAgent> Agents, AgentCredentials? Credentials, ProgramRules Programs)
{
    /// <summary>
    /// The agents to contact, in file order: each https agent named by DNS as one agent per address its name resolves
    /// to (see <see cref="AgentExpansion"/>); one whose name does not resolve is kept with its <see cref="FleetAgent.Problem"/>.
    /// </summary>
    /// <param name="resolver">Looks names up; the system's resolver when null.</param>
    public Task<IReadOnlyList<FleetAgent>> ResolveAsync(HostResolver? resolver = null, CancellationToken cancellation = default) =>
        AgentExpansion.ExpandAsync(Agents, resolver ?? AgentExpansion.SystemResolver, cancellation);
}
