namespace SideEye.Fleet.Tests;

/// <summary>
/// Tests that set or depend on SIDEEYE_CERT, SIDEEYE_KEY and SIDEEYE_CA: process-wide, so they never run beside each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "SideEyeEnvironment";
}
