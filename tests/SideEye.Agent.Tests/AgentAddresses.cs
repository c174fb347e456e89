using SideEye.Remote.Connection;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>A test agent's URL as the client code reads it.</summary>
static class AgentAddresses
{
    extension(AgentProcess agent)
    {
        public AgentAddress Address => AgentAddress.Parse(agent.Url);
    }
}
