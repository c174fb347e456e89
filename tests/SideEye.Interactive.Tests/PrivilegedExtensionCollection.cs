namespace SideEye.Interactive.Tests;

/// <summary>Tests that pause real processes share one non-parallel collection, as the snapshot tests do.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivilegedExtensionCollection
{
    public const string Name = "PrivilegedExtension";
}
