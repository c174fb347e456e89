namespace SideEye.Testing.Fuzzing;

/// <summary>
/// Runs mutations of several binaries through fuzz workers: mutation i is the (i / n)th of the (i mod n)th binary, so
/// any count covers every binary and every kind evenly, and the same seed and count give the same files. Each file is
/// written to a temporary folder, read by a worker, and deleted, except those that were not accepted or rejected cleanly,
/// which are kept for reproduction (their paths are in the results).
/// </summary>
public static class FuzzCampaign
{
    public static IReadOnlyList<FuzzResult> Run(IReadOnlyList<BinaryMutator> mutators, int count, int workers, TimeSpan hardLimit,
                                                Action<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(mutators.Count);
        var folder = Directory.CreateTempSubdirectory("sideeye-fuzz-").FullName;
        var intact = Path.Combine(folder, "intact");
        File.WriteAllBytes(intact, mutators[0].Original);
        var results = new FuzzResult[count];
        var next = -1;
        var done = 0;
        var threads = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => new Thread(() =>
        {
            using var worker = new FuzzWorkerProcess(hardLimit, intact);
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var mutator = mutators[i % mutators.Count];
                var mutation = mutator.Mutate(i / mutators.Count);
                var file = Path.Combine(folder, $"{mutator.Name.Replace('/', '_')}-{mutator.Seed}-{mutation.Index}");
                File.WriteAllBytes(file, mutation.Bytes);
                var result = results[i] = worker.Run(mutation, file);
                if (result.Outcome is FuzzOutcome.Accepted or FuzzOutcome.Rejected) File.Delete(file);
                progress?.Invoke(Interlocked.Increment(ref done));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        File.Delete(intact);
        if (!Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        return results;
    }

    /// <summary>A mutator for an intact test binary, named by its release folder and file name (e.g. "1.26/parked").</summary>
    public static BinaryMutator MutatorFor(string binary, int seed) =>
        new($"{Path.GetFileName(Path.GetDirectoryName(binary))}/{Path.GetFileName(binary)}", File.ReadAllBytes(binary), seed);
}
