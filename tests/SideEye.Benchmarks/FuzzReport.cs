using System.Diagnostics;
using SideEye.Testing;
using SideEye.Testing.Fuzzing;

namespace SideEye.Benchmarks;

/// <summary>
/// Issue 14's figures: N mutations (default 10,000) of real Go binaries through `sideeye inspect`, counted by outcome
/// and kind, with the slowest file and the largest peak memory. Exit code 1 when any was a defect, a crash or a
/// timeout, or a file took 2 s or more or 1 GiB.
/// </summary>
public static class FuzzReport
{
    static readonly TimeSpan PerFileLimit = TimeSpan.FromSeconds(2);
    const long MemoryLimit = 1L << 30;

    /// <summary>args: [count] [seed] [workers].</summary>
    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
        var seed = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 14;
        var workers = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        var mutators = FuzzTargets.Binaries().Select(b => FuzzCampaign.MutatorFor(b, seed)).ToArray();
        Console.WriteLine($"fuzz     {count} mutations, seed {seed}, {workers} workers, of {string.Join(", ", mutators.Select(m => m.Name))}");

        var watch = Stopwatch.StartNew();
        var results = FuzzCampaign.Run(mutators, count, workers, TimeSpan.FromSeconds(30),
            done => { if (done % 1000 == 0) Console.WriteLine($"  {done} done, {watch.Elapsed.TotalSeconds:F0} s"); });
        watch.Stop();

        Console.WriteLine($"total    {watch.Elapsed.TotalSeconds:F0} s, {watch.Elapsed.TotalMilliseconds / count:F1} ms a file on {workers} workers");
        foreach (var outcome in Enum.GetValues<FuzzOutcome>())
            Console.WriteLine($"{outcome,-9}{results.Count(r => r.Outcome == outcome),6}");
        Console.WriteLine("by kind  (accepted / rejected / other)");
        foreach (var kind in results.GroupBy(r => r.Kind).OrderBy(g => g.Key))
            Console.WriteLine($"  {kind.Key,-15} {kind.Count(r => r.Outcome == FuzzOutcome.Accepted),5} / {kind.Count(r => r.Outcome == FuzzOutcome.Rejected),5} / {kind.Count(r => r.Outcome > FuzzOutcome.Rejected),3}");
        var slowest = results.MaxBy(r => r.Elapsed)!;
        var largest = results.MaxBy(r => r.PeakRssBytes)!;
        Console.WriteLine($"max time {slowest.Elapsed.TotalMilliseconds:F0} ms ({slowest.MutationId}); median {Median(results.Select(r => r.Elapsed.TotalMilliseconds)):F0} ms");
        Console.WriteLine($"max peak {largest.PeakRssBytes / (1 << 20)} MiB resident ({largest.MutationId}); median {Median(results.Select(r => (double)r.PeakRssBytes)) / (1 << 20):F0} MiB");
        var bad = results.Where(r => r.Outcome > FuzzOutcome.Rejected || r.Elapsed >= PerFileLimit || r.PeakRssBytes >= MemoryLimit).ToList();
        foreach (var r in bad.Take(20)) Console.WriteLine($"BAD      {r}");
        Console.WriteLine(bad.Count == 0 ? "ok       no crashes, no unexpected exceptions, every file under 2 s and 1 GiB" : $"FAILED   {bad.Count} bad files");
        return bad.Count == 0 ? 0 : 1;
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
