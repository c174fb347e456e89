using SideEye.Fleet.Agents;
using SideEye.Fleet.Programs;
using SideEye.Remote.Connection;

namespace SideEye.Fleet.Files;

/// <summary>
/// The fleet file's <c>agents</c>: at least one, each <c>{ "name", "address", "environment"?, "labels"? }</c>, names
/// unique and free of <c>/</c> (which names the agents a DNS name expands to), labels named like variables and
/// never like a built-in label.
/// </summary>
static class AgentsSection
{
    public static IReadOnlyList<FleetAgent> Read(FilePlace agents)
    {
        var items = agents.Array();
        if (items.Count == 0) throw agents.Error("is empty: a fleet needs at least one agent");
        var read = new List<(FleetAgent Agent, FilePlace Name)>();
        foreach (var item in items)
        {
            var agent = Agent(item);
            var first = read.FirstOrDefault(r => r.Agent.Name == agent.Agent.Name);
            if (first.Agent is not null)
                throw agent.Name.Error($"\"{agent.Agent.Name}\" is already the name of {first.Name.Path[..first.Name.Path.LastIndexOf('.')]} ({first.Name.Where}); agent names are unique");
            read.Add(agent);
        }
        return [.. read.Select(r => r.Agent)];
    }

    static (FleetAgent Agent, FilePlace Name) Agent(FilePlace at)
    {
        at.Object("name", "address", "environment", "labels");
        var namePlace = at.Required("name", "the agent's name, the host label of its processes");
        var name = namePlace.String();
        if (name.Any(c => c == '/' || char.IsWhiteSpace(c))) throw namePlace.Error($"\"{name}\" has a space or a /; an agent's name has neither");
        var addressPlace = at.Required("address", "https://HOST:PORT or unix:PATH");
        AgentAddress address;
        try { address = AgentAddress.Parse(addressPlace.String()); }
        catch (SideEyeException e) { throw addressPlace.ErrorAt(addressPlace.Value.Offset, e.Message, e); }
        var environment = at.Optional("environment")?.String();
        var labels = at.Optional("labels") is { } l ? Labels(l) : new Dictionary<string, string>();
        return (new FleetAgent(name, address, environment, labels), namePlace);
    }

    static Dictionary<string, string> Labels(FilePlace at)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in at.Members())
        {
            if (BuiltInLabels.All.Contains(member.Name))
                throw at.MemberError(member, $"\"{member.Name}\" is a built-in label ({string.Join(", ", BuiltInLabels.All)}); give yours another name");
            if (!ProgramPredicate.IsName(member.Name))
                throw at.MemberError(member, $"\"{member.Name}\" is not a label name (a letter or _, then letters, digits or _)");
            labels[member.Name] = at.Member(member).String(emptyAllowed: true);
        }
        return labels;
    }
}
