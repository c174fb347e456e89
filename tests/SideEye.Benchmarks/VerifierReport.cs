using System.Diagnostics;
using System.Globalization;
using SideEye.Bpf;
using SideEye.GoRuntime;
using SideEye.Probes.Capture;
using SideEye.Probes.Codegen;
using SideEye.Probes.Planning;
using SideEye.Probes.Specs;
using SideEye.Probes.Values;
using SideEye.Testing;

namespace SideEye.Benchmarks;

/// <summary>
/// What the verifier spends on the capture probe as the spec grows, and what it costs to make and load one: for
/// 1, 10, 50 and 200 captured functions of the newest toolchain's cmd/go (each function's first parameter), the
/// 50 × 8 spec of testdata/wide and the whole spec of testdata/values' functions: processed instructions against
/// the limit, states, verification time, and the load time in three parts (plan: the spec against the binary and
/// its runtime types; generate; verify and create the maps), cold (the binary just opened, as a CLI run has it)
/// and the median of the warm runs (the binary's tables read already). Needs root.
/// Usage: verifier [runs]   (default 5)
/// </summary>
public static class VerifierReport
{
    public static int Run(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var toolchain = GoToolchains.Newest;
        Console.WriteLine($"cpus {Environment.ProcessorCount}, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {toolchain.Release}, median of {runs} runs");
        var cmdGo = GoBinary.Open(GoFixture.BuildCmdGo(toolchain));
        var candidates = FirstParameters(cmdGo).ToArray();
        Measure("goroutines only", cmdGo, null, runs);
        foreach (var n in new[] { 1, 10, 50, 200 })
            Measure($"cmd/go, {n} functions x 1", cmdGo, new ProgramCaptures("go", candidates.Take(n).Select(c => new FunctionCapture(c.Function, [c.Parameter])).ToArray()), runs);
        var wide = GoBinary.Open(GoFixture.Build("wide", toolchain));
        Measure("wide, 50 functions x 8", wide, new ProgramCaptures("wide", WideSpec.Functions.Select(f => new FunctionCapture(f, WideSpec.Expressions)).ToArray()), runs);
        var values = GoBinary.Open(GoFixture.Build("values", toolchain));
        Measure("values, every hold* parameter", values, new ProgramCaptures("values", Parameters(values, "main.hold").ToArray()), runs);
        return 0;
    }

    /// <summary>Functions of cmd/go's own packages with a named parameter the resolver accepts, in name order.</summary>
    static IEnumerable<(string Function, string Parameter)> FirstParameters(GoBinary binary)
    {
        var resolver = new CaptureResolver(binary);
        foreach (var f in binary.Dwarf!.Functions.Where(f => f.Name.StartsWith("cmd/go/internal/", StringComparison.Ordinal) && !f.Name.Contains('[')).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var parameter = f.Variables.FirstOrDefault(v => v.IsParameter && v.Name.Length > 0 && !v.Name.StartsWith('~') && v.Location is not null)?.Name;
            if (parameter is null) continue;
            var ok = false;
            try
            {
                ok = resolver.Instantiations(f.Name).Count == 1 && resolver.Resolve(resolver.Instantiations(f.Name)[0], parameter) is not null;
            }
            catch (CaptureSpecException) { }
            if (ok) yield return (f.Name, parameter);
        }
    }

    static IEnumerable<FunctionCapture> Parameters(GoBinary binary, string prefix) =>
        binary.Dwarf!.Functions.Where(f => f.Name.StartsWith(prefix, StringComparison.Ordinal) && !f.Name.Contains('['))
            .Select(f => new FunctionCapture(f.Name, f.Variables.Where(v => v.IsParameter && v.Name.Length > 0 && !v.Name.StartsWith('~')).Select(v => v.Name).Distinct().ToArray()))
            .Where(f => f.Expressions.Count > 0);

    static void Measure(string what, GoBinary opened, ProgramCaptures? captures, int runs)
    {
        var samples = new List<(double Plan, double Generate, double Verify, VerifierStats Stats, int Expressions)>();
        for (var i = 0; i <= runs; i++)
        {
            // Run 0 is cold: a fresh copy of the binary, nothing of it read yet.
            var binary = i == 0 ? GoBinary.Open(opened.Path) : opened;
            var sw = Stopwatch.StartNew();
            CapturePlan? plan = null;
            if (captures is not null)
            {
                var types = RuntimeTypeIndex.Build(binary);
                plan = CapturePlan.Create(binary, captures, CaptureLimits.Default, types.Types.Select(kv => (kv.Key, kv.Value)));
            }
            var probe = ProbePlan.Create(binary);
            var planned = sw.Elapsed.TotalMilliseconds;
            var generated = SnapshotProgramGenerator.Generate(probe, plan);
            var made = sw.Elapsed.TotalMilliseconds;
            var maps = generated.Maps.ToDictionary(m => m.Name, BpfMap.Load);
            try
            {
                using var program = BpfProgram.Load(generated.Program, maps);
                samples.Add((planned, made - planned, sw.Elapsed.TotalMilliseconds - made, program.Stats!, plan?.Expressions.Count ?? 0));
            }
            finally
            {
                foreach (var m in maps.Values) m.Dispose();
            }
        }
        var cold = samples[0];
        var median = samples.Skip(1).OrderBy(s => s.Plan + s.Generate + s.Verify).ElementAt((samples.Count - 1) / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-32} {median.Expressions,4} expressions: {median.Stats}; load cold {cold.Plan + cold.Generate + cold.Verify:F0} ms (plan {cold.Plan:F0}), " +
            $"warm {median.Plan + median.Generate + median.Verify:F0} ms (plan {median.Plan:F0}, generate {median.Generate:F1}, verify and maps {median.Verify:F0})"));
    }
}
