using System.Collections.Concurrent;
using SideEye.Binary.Dwarf;
using SideEye.Binary.Elf;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Dwarf;

/// <summary>Builds the fixture for a toolchain and opens its DWARF once per test run.</summary>
internal static class DwarfFixture
{
    static readonly ConcurrentDictionary<string, Lazy<DwarfData>> Opened = new();

    /// <summary>The layouts fixture: small, but it has the runtime, generics, maps, channels and inlining.</summary>
    public static string Layouts(string release) => GoFixture.Build("layouts", release);

    public static DwarfData Open(string binary) =>
        Opened.GetOrAdd(binary, b => new Lazy<DwarfData>(() =>
            DwarfData.Load(ElfImage.Open(b)) ?? throw new InvalidOperationException($"{b} has no DWARF"))).Value;

    /// <summary>Runs a tool and returns stdout, failing the test with stderr on a non-zero exit.</summary>
    public static string Run(string tool, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed: {err.Result}");
        return output;
    }

    /// <summary>readelf --debug-dump=WHAT (binutils: an independent DWARF reader that understands v5 and compressed sections).</summary>
    public static string[] ReadElf(string binary, string what) =>
        Run("readelf", "--wide", $"--debug-dump={what}", binary).Split('\n');

    /// <summary>A deterministic sample of PCs spread over the functions (start, a little in, and the middle).</summary>
    public static List<ulong> SamplePcs(DwarfData dwarf, int count, int seed)
    {
        var funcs = dwarf.Functions.Where(f => f.HighPc > f.LowPc).ToList();
        var rng = new Random(seed);
        var pcs = new List<ulong>();
        for (var i = 0; i < count; i++)
        {
            var f = funcs[rng.Next(funcs.Count)];
            var span = f.HighPc - f.LowPc;
            pcs.Add(f.LowPc + (i % 3 == 0 ? 0 : (ulong)rng.NextInt64((long)span)));
        }
        return pcs.Distinct().ToList();
    }

    /// <summary>DWARF register numbers for the names readelf prints (amd64 and arm64).</summary>
    public static int RegisterNumber(string name) => name switch
    {
        "rax" => 0,
        "rdx" => 1,
        "rcx" => 2,
        "rbx" => 3,
        "rsi" => 4,
        "rdi" => 5,
        "rbp" => 6,
        "rsp" => 7,
        "rip" => 16,
        "sp" => 31,
        _ when name.StartsWith('r') && int.TryParse(name[1..], out var n) => n,
        _ when name.StartsWith('x') && int.TryParse(name[1..], out var n) => n,
        _ => throw new InvalidOperationException($"unknown register name {name}"),
    };
}
