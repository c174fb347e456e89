namespace SideEye.Cli.Tests;

/// <summary>
/// Tests that snapshot live processes (in this process or in a sideeye process of their own) share one non-parallel
/// collection, so one test's kernel objects never show up in another's leak count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivilegedCliCollection
{
    public const string Name = "PrivilegedCli";
}
