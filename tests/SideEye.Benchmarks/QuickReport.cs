using System.Diagnostics;
using SideEye.GoRuntime;

namespace SideEye.Benchmarks;

/// <summary>Stopwatch figures for the goals: index cmd/go under 1 s warm, queries under 2 µs.</summary>
public static class QuickReport
{
    public static int Run(string[] args)
    {
        var binary = BenchTarget.Binary(args.FirstOrDefault());
        var pcs = BenchTarget.RandomPcs(binary);
        Console.WriteLine($"target   {binary} ({new FileInfo(binary).Length / 1e6:F1} MB)");

        var cold = Stopwatch.StartNew();
        var first = Index(binary);
        cold.Stop();
        Console.WriteLine($"index    cold {cold.Elapsed.TotalMilliseconds:F0} ms (first open in this process, includes JIT)");

        var warm = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            Index(binary);
            warm.Add(sw.Elapsed.TotalMilliseconds);
        }
        warm.Sort();
        Console.WriteLine($"index    warm median {warm[2]:F0} ms, min {warm[0]:F0} ms (open ELF + pclntab + DWARF index + runtime model)");

        var table = first.Pclntab;
        foreach (var pc in pcs) table.Lookup(pc); // warm-up
        var rounds = new List<double>();
        for (var r = 0; r < 5; r++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var pc in pcs) table.Lookup(pc);
            rounds.Add(sw.Elapsed.TotalNanoseconds / pcs.Length);
        }
        rounds.Sort();
        Console.WriteLine($"addr2line  median {rounds[2]:F0} ns/query over {pcs.Length} random PCs (5 rounds, min {rounds[0]:F0} ns)");

        var inl = Stopwatch.StartNew();
        foreach (var pc in pcs) table.LookupInlined(pc);
        Console.WriteLine($"addr2line --inline  {inl.Elapsed.TotalNanoseconds / pcs.Length:F0} ns/query");

        var dwarf = first.Dwarf!;
        var line = Stopwatch.StartNew();
        foreach (var pc in pcs) dwarf.LineFor(pc);
        Console.WriteLine($"dwarf line lookup   {line.Elapsed.TotalNanoseconds / pcs.Length:F0} ns/query on the first pass (decodes line programs)");
        line.Restart();
        foreach (var pc in pcs) dwarf.LineFor(pc);
        Console.WriteLine($"dwarf line lookup   {line.Elapsed.TotalNanoseconds / pcs.Length:F0} ns/query once decoded");
        return 0;
    }

    /// <summary>What "index" means here: everything a snapshot needs before the first query.</summary>
    static GoBinary Index(string binary)
    {
        var bin = GoBinary.Open(binary);
        _ = bin.Pclntab.Functions.Count;
        _ = bin.Dwarf!.FunctionCount;
        _ = bin.Runtime;
        return bin;
    }
}
