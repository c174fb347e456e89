using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Pclntab;

/// <summary>The real Go binaries the pclntab tests read, and the PC samples they query.</summary>
internal static class PclntabTargets
{
    /// <summary>Debian's own go command: built by someone else, linked with -s -w (no symtab, no DWARF).</summary>
    public static string DistributedGo(GoToolchain toolchain) => toolchain.GoBinary;

    public static (ElfImage Image, GoPclntab Table) Open(string binary)
    {
        var image = ElfImage.Open(binary);
        var table = GoPclntab.Load(image) ?? throw new InvalidOperationException($"{binary}: no Go pclntab found");
        return (image, table);
    }

    /// <summary>Every function entry, a few PCs inside each function, and PCs just outside the text.</summary>
    public static List<ulong> EntriesAndMidPcs(GoPclntab table, int perFunction = 3)
    {
        var pcs = new List<ulong>();
        foreach (var f in table.Functions)
        {
            pcs.Add(f.Entry);
            var size = f.End - f.Entry;
            for (var k = 1; k <= perFunction && size > 1; k++)
                pcs.Add(f.Entry + size * (ulong)k / (ulong)(perFunction + 1));
        }
        pcs.AddRange(OutsidePcs(table));
        return pcs;
    }

    /// <summary>Random PCs over the whole text plus random entries, deterministic per seed.</summary>
    public static List<ulong> RandomPcs(GoPclntab table, int count, int seed)
    {
        var random = new Random(seed);
        var first = table.Functions[0].Entry;
        var end = table.Functions[^1].End;
        var pcs = new List<ulong>(count + 8);
        for (var i = 0; i < count; i++)
            pcs.Add(i % 4 == 0
                ? table.Functions[random.Next(table.Functions.Count)].Entry
                : first + (ulong)random.NextInt64((long)(end - first)));
        pcs.AddRange(OutsidePcs(table));
        return pcs;
    }

    static IEnumerable<ulong> OutsidePcs(GoPclntab table)
    {
        var first = table.Functions[0].Entry;
        var end = table.Functions[^1].End;
        return [0, first - 1, end, end + 0x100];
    }

    /// <summary>Compares Lookup with go tool addr2line on the same binary; returns the mismatches (at most 20) and the count compared.</summary>
    public static void AssertMatchesAddr2Line(GoToolchain toolchain, string binary, GoPclntab table, IReadOnlyList<ulong> pcs)
    {
        var expected = GoTool.Addr2Line(toolchain, binary, pcs);
        var mismatches = new List<string>();
        for (var i = 0; i < pcs.Count; i++)
        {
            var actual = table.Lookup(pcs[i]);
            if (actual.Function != expected[i].Function || actual.FileLine != expected[i].Location)
                mismatches.Add($"0x{pcs[i]:x}: addr2line {expected[i].Function} {expected[i].Location}, we {actual.Function} {actual.FileLine}");
        }
        Assert.True(mismatches.Count == 0,
            $"{binary}: {mismatches.Count} of {pcs.Count} PCs differ from go tool addr2line:\n{string.Join('\n', mismatches.Take(20))}");
    }
}
