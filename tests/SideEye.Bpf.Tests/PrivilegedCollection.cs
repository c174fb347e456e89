namespace SideEye.Bpf.Tests;

/// <summary>Privileged tests run one at a time so the per-test fd leak check sees only its own test's objects.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivilegedCollection
{
    public const string Name = "Privileged";
}
