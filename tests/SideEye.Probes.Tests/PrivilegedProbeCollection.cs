namespace SideEye.Probes.Tests;

/// <summary>Privileged probe tests share one non-parallel collection so kernel-object fd counts do not mix.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivilegedProbeCollection
{
    public const string Name = "PrivilegedProbes";
}
