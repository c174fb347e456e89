using SideEye.Binary.Elf;
using SideEye.Testing;

namespace SideEye.Benchmarks;

/// <summary>The benchmark target: the newest toolchain's cmd/go built with DWARF, and 10,000 random PCs inside its functions.</summary>
public static class BenchTarget
{
    public const int QueryCount = 10_000;

    public static string Binary(string? release = null) =>
        GoFixture.BuildCmdGo(release is null ? GoToolchains.Newest : GoToolchains.Get(release));

    public static ulong[] RandomPcs(string binary, int seed = 42)
    {
        var functions = ElfImage.Open(binary).Symbols.Where(s => s.Kind == ElfSymbolKind.Function && s.Size > 0).ToArray();
        var random = new Random(seed);
        return Enumerable.Range(0, QueryCount).Select(_ => functions[random.Next(functions.Length)])
            .Select(f => f.Value + (ulong)random.NextInt64((long)f.Size)).ToArray();
    }
}
