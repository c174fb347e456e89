using SideEye.GoRuntime.Memory;

namespace SideEye.Probes.Values;

/// <summary>
/// Memory made of copied blocks (what the probe copied while the target was paused): a read succeeds only when
/// every byte of it lies in the blocks, possibly spanning adjacent or overlapping ones. Blocks are merged into
/// disjoint runs sorted by address once, so a read is one binary search.
/// </summary>
public sealed class SparseMemory : IMemoryReader
{
    readonly ulong[] _starts;
    readonly byte[][] _runs;

    /// <param name="blocks">(address, bytes) pairs in any order; later blocks win where they overlap earlier ones.</param>
    public SparseMemory(IEnumerable<(ulong Address, byte[] Bytes)> blocks)
    {
        var ordered = blocks.Select((b, i) => (b.Address, b.Bytes, Order: i))
            .Where(b => b.Bytes.Length > 0)
            .OrderBy(b => b.Address).ThenBy(b => b.Order)
            .ToList();
        var starts = new List<ulong>();
        var runs = new List<byte[]>();
        var i = 0;
        while (i < ordered.Count)
        {
            // Extend a run over every block that starts inside or right after it.
            var start = ordered[i].Address;
            var end = start + (ulong)ordered[i].Bytes.Length;
            var j = i + 1;
            while (j < ordered.Count && ordered[j].Address <= end)
            {
                end = Math.Max(end, ordered[j].Address + (ulong)ordered[j].Bytes.Length);
                j++;
            }
            var run = new byte[checked((int)(end - start))];
            // Copy in the blocks' given order so that later blocks overwrite earlier ones.
            foreach (var b in ordered.GetRange(i, j - i).OrderBy(b => b.Order))
                b.Bytes.CopyTo(run, (int)(b.Address - start));
            starts.Add(start);
            runs.Add(run);
            i = j;
        }
        _starts = starts.ToArray();
        _runs = runs.ToArray();
    }

    /// <summary>Number of disjoint runs the blocks merged into.</summary>
    public int RunCount => _runs.Length;

    /// <summary>Total bytes held.</summary>
    public long ByteCount => _runs.Sum(r => (long)r.Length);

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (destination.Length == 0) return true;
        var i = Array.BinarySearch(_starts, address);
        if (i < 0) i = ~i - 1; // the last run starting at or before the address
        if (i < 0) return false;
        var offset = address - _starts[i];
        var run = _runs[i];
        if (offset >= (ulong)run.Length || (ulong)run.Length - offset < (ulong)destination.Length) return false;
        run.AsSpan((int)offset, destination.Length).CopyTo(destination);
        return true;
    }
}
