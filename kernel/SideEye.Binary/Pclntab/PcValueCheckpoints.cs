namespace SideEye.Binary.Pclntab;

/// <summary>
/// Decoder states saved every <see cref="Interval"/> steps of one pc-value table, so a lookup in a large
/// function resumes near its target instead of decoding from the entry (big assembly functions have
/// thousands of steps). PCs are kept relative to the function entry because the linker shares identical
/// tables between functions.
/// </summary>
internal sealed class PcValueCheckpoints(ulong[] relativePcs, int[] positions, int[] values)
{
    public const int Interval = 8;

    /// <summary>Moves the decoder to the last saved state whose pc is at or before targetPc.</summary>
    public void Seek(ulong entry, ulong targetPc, ref int position, ref ulong pc, ref int value)
    {
        if (targetPc < entry) return;
        var relative = targetPc - entry;
        int lo = 0, hi = relativePcs.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (relativePcs[mid] <= relative) lo = mid + 1; else hi = mid;
        }
        // The pc is non-decreasing along the table, so every step before that state ended at or before
        // targetPc and could not have produced the answer.
        if (lo == 0) return;
        position = positions[lo - 1];
        pc = entry + relativePcs[lo - 1];
        value = values[lo - 1];
    }

    public static PcValueCheckpoints Build(List<(ulong RelativePc, int Position, int Value)> states) =>
        new(states.Select(s => s.RelativePc).ToArray(), states.Select(s => s.Position).ToArray(), states.Select(s => s.Value).ToArray());
}
