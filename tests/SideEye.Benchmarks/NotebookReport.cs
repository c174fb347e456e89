using System.Diagnostics;
using System.Globalization;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using SideEye.Interactive;
using SideEye.Testing;

namespace SideEye.Benchmarks;

/// <summary>
/// What a notebook user waits for: testdata/requests with N goroutines parked in main.(*server).handle, and the
/// cells of the capture loop submitted to a C# kernel with the extension, each timed from submission to its result
/// (median of warm runs), with the size of the HTML it sends to the front end. Needs root.
/// Usage: notebook [N,N,…] [runs]   (default 1000,10000, 10 runs)
/// </summary>
public static class NotebookReport
{
    public static int Run(string[] args)
    {
        var sizes = args.Length > 0 ? args[0].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [1_000, 10_000];
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        Console.WriteLine($"cpus {Environment.ProcessorCount}, {GoToolchains.Newest.Release}, {runs} warm runs each; time from submission to result, median (HTML size)");
        foreach (var n in sizes) Measure(n, runs).GetAwaiter().GetResult();
        return 0;
    }

    static async Task Measure(int n, int runs)
    {
        using var target = LaunchedProgram.StartUntilReady(GoFixture.Build("requests", GoToolchains.Newest), ["-n", n.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        Procfs.FaultIn(target.Pid);
        var directory = Directory.CreateTempSubdirectory("sideeye-notebook-bench-").FullName;
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = directory;
        try
        {
            using var kernel = new CompositeKernel { new CSharpKernel().UseValueSharing() };
            kernel.DefaultKernelName = "csharp";
            SideEyeExtension.Load(kernel);
            var first = await Timed(kernel, "#!sideeye capture main.(*server).handle req.ID req.Path req.User len(req.Tags) --exe requests");
            Console.WriteLine($"{n,7} goroutines  capture (checked against the binary): {first.Ms:F0} ms");
            var cold = await Timed(kernel, $"#!sideeye snapshot --pid {target.Pid}");
            Console.WriteLine($"{n,7} goroutines  first snapshot (probe built and loaded): {cold.Ms:F0} ms");
            string[] cells =
            [
                $"#!sideeye snapshot --pid {target.Pid}",
                "#!sideeye stacks",
                "#!sideeye stacks --filter handle",
                "#!sideeye goroutine --in handle",
                "#!sideeye-sql\nSELECT count(*) FROM main_server_handle WHERE snapshot_id = (SELECT max(snapshot_id) FROM snapshots)",
                "#!sideeye diff",
            ];
            foreach (var cell in cells)
            {
                var timings = new List<(double Ms, int Html)>();
                for (var i = 0; i < runs; i++) timings.Add(await Timed(kernel, cell));
                var median = timings.OrderBy(t => t.Ms).ElementAt(timings.Count / 2);
                Console.WriteLine($"{n,7} goroutines  {cell.Split('\n')[0],-40} {median.Ms,7:F1} ms  ({median.Html / 1024.0:F0} KiB HTML)");
            }
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Directory.Delete(directory, recursive: true);
        }
    }

    static async Task<(double Ms, int Html)> Timed(Kernel kernel, string code)
    {
        var sw = Stopwatch.StartNew();
        var result = await kernel.SendAsync(new SubmitCode(code));
        var ms = sw.Elapsed.TotalMilliseconds;
        if (result.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed) throw new InvalidOperationException($"{code}: {failed.Message}");
        var html = result.Events.OfType<DisplayEvent>().SelectMany(e => e.FormattedValues).Where(v => v.MimeType == "text/html").Sum(v => v.Value.Length);
        return (ms, html);
    }
}
