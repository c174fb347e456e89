using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Store;

/// <summary>
/// Deduplicates the stacks of one snapshot. A stack's id is the FNV-1a 64-bit hash of its frame sequence
/// (pc, line, inlined, func, file of every frame, innermost first), so the same stack has the same id in
/// every snapshot and every file. Should two different stacks of one snapshot hash alike, the later one
/// takes the next unused value.
/// </summary>
sealed class StackIds
{
    readonly Dictionary<IReadOnlyList<StackFrame>, long> _byReference = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<IReadOnlyList<StackFrame>, long> _byContent = new(FrameSequenceComparer.Instance);
    readonly HashSet<long> _used = [];

    /// <summary>Returns the stack's id and whether this is the first time the snapshot has it.</summary>
    public (long Id, bool IsNew) Get(IReadOnlyList<StackFrame> frames)
    {
        if (_byReference.TryGetValue(frames, out var id)) return (id, false);
        if (_byContent.TryGetValue(frames, out id))
        {
            _byReference[frames] = id;
            return (id, false);
        }
        id = StableHash(frames);
        while (!_used.Add(id)) id++;
        _byContent[frames] = id;
        _byReference[frames] = id;
        return (id, true);
    }

    public static long StableHash(IReadOnlyList<StackFrame> frames)
    {
        const ulong offset = 14695981039346656037, prime = 1099511628211;
        var h = offset;
        void Mix(ulong v)
        {
            for (var i = 0; i < 8; i++, v >>= 8) h = (h ^ (v & 0xff)) * prime;
        }
        void MixString(string s)
        {
            foreach (var c in s) h = ((h ^ (byte)c) * prime ^ (byte)(c >> 8)) * prime;
            h = (h ^ 0xff) * prime; // terminator, so ("ab","c") and ("a","bc") differ
        }
        for (var i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            Mix(f.Pc);
            Mix((ulong)(uint)f.Line | (f.Inlined ? 1UL << 32 : 0));
            MixString(f.Func);
            MixString(f.File);
        }
        return unchecked((long)h);
    }

    sealed class FrameSequenceComparer : IEqualityComparer<IReadOnlyList<StackFrame>>
    {
        public static readonly FrameSequenceComparer Instance = new();

        public bool Equals(IReadOnlyList<StackFrame>? x, IReadOnlyList<StackFrame>? y)
        {
            if (ReferenceEquals(x, y)) return true;
            if (x is null || y is null || x.Count != y.Count) return false;
            ReadOnlySpan<StackFrame> xs = AsSpan(x), ys = AsSpan(y);
            for (var i = 0; i < xs.Length; i++)
            {
                StackFrame a = xs[i], b = ys[i];
                if (ReferenceEquals(a, b)) continue;
                if (a.Pc != b.Pc || a.Line != b.Line || a.Inlined != b.Inlined
                    || !string.Equals(a.Func, b.Func, StringComparison.Ordinal)
                    || !string.Equals(a.File, b.File, StringComparison.Ordinal)) return false;
            }
            return true;
        }

        // PCs and lines nearly always tell stacks apart; hashing the strings as well would double the cost.
        public int GetHashCode(IReadOnlyList<StackFrame> frames)
        {
            var h = new HashCode();
            h.Add(frames.Count);
            foreach (var f in AsSpan(frames))
            {
                h.Add(f.Pc);
                h.Add(f.Line);
            }
            return h.ToHashCode();
        }

        // Interface calls per frame cost more than the comparison itself; arrays and lists are read as spans.
        static ReadOnlySpan<StackFrame> AsSpan(IReadOnlyList<StackFrame> frames) => frames switch
        {
            StackFrame[] array => array,
            List<StackFrame> list => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list),
            _ => frames.ToArray(),
        };
    }
}
