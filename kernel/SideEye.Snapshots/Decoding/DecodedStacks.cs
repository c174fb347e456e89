using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Decoding;

/// <summary>
/// A process's stacks as decoded before, by their physical PCs: most goroutines of a service wait in a few places
/// (a thousand idle ones share one stack), so each distinct stack is symbolized once and its frames shared by every
/// goroutine on it, which also lets the store recognise a repeated stack by reference. Bounded: past
/// <see cref="MaxStacks"/> distinct stacks it starts over.
/// </summary>
sealed class DecodedStacks
{
    public const int MaxStacks = 16_384;

    readonly record struct Key(ulong[] Pcs, bool FirstPcIsExact, int Hash);

    sealed class KeyComparer : IEqualityComparer<Key>
    {
        public static readonly KeyComparer Instance = new();
        public bool Equals(Key a, Key b) => a.Hash == b.Hash && a.FirstPcIsExact == b.FirstPcIsExact && a.Pcs.AsSpan().SequenceEqual(b.Pcs);
        public int GetHashCode(Key k) => k.Hash;
    }

    readonly Dictionary<Key, (StackFrame[] Frames, bool Cut)> _stacks = new(KeyComparer.Instance);

    /// <summary>The frames of this stack, decoded by <paramref name="decode"/> the first time it is seen.</summary>
    public (StackFrame[] Frames, bool Cut) Get(IReadOnlyList<ulong> pcs, bool firstPcIsExact, Func<(StackFrame[], bool)> decode)
    {
        var looked = pcs as ulong[] ?? pcs.ToArray();
        var hash = new HashCode();
        foreach (var pc in looked) hash.Add(pc);
        var key = new Key(looked, firstPcIsExact, hash.ToHashCode());
        // One process's records are decoded on one thread at a time; the lock only keeps a misuse from corrupting the map.
        lock (_stacks)
        {
            if (_stacks.TryGetValue(key, out var known)) return known;
        }
        var decoded = decode();
        lock (_stacks)
        {
            if (_stacks.Count >= MaxStacks) _stacks.Clear();
            // Kept by a copy: the caller's array is the caller's.
            _stacks.TryAdd(key with { Pcs = (ulong[])looked.Clone() }, decoded);
        }
        return decoded;
    }
}
