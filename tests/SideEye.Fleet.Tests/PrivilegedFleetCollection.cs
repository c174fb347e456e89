namespace SideEye.Fleet.Tests;

/// <summary>Tests that run real agents share one non-parallel collection: on two cores they would only slow each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivilegedFleetCollection
{
    public const string Name = "PrivilegedFleet";
}
