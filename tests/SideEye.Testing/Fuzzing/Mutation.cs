namespace SideEye.Testing.Fuzzing;

/// <summary>
/// One mutated copy of a binary. <see cref="Id"/> names the original, the seed and the index, which is all
/// <see cref="BinaryMutator.Mutate"/> needs to make the same bytes again.
/// </summary>
public sealed record Mutation(string Original, int Seed, int Index, MutationKind Kind, byte[] Bytes)
{
    public string Id => $"{Original} seed {Seed} #{Index} ({Kind})";
}
