namespace SideEye.Benchmarks;

/// <summary>What the reports say of their timings.</summary>
static class Samples
{
    /// <summary>The median (the mean of the middle two for an even count); 0 for none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Median(IEnumerable<long> values) => Median(values.Select(v => (double)v));
}
