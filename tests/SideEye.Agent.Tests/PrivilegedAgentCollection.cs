namespace SideEye.Agent.Tests;

/// <summary>Tests that run agents and pause programs share one non-parallel collection: on two cores they would only slow each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivilegedAgentCollection
{
    public const string Name = "PrivilegedAgents";
}
