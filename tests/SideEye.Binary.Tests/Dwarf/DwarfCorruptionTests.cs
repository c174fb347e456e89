using System.Buffers.Binary;
using System.Diagnostics;
using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Expr;
using SideEye.Binary.Dwarf.Types;
using SideEye.Binary.Elf;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Binary.Tests.Dwarf;

/// <summary>
/// Damaged DWARF must surface as <see cref="BinaryFormatException"/> (or read successfully), never as
/// IndexOutOfRange, NullReference, a hang or a stack overflow.
/// </summary>
public class DwarfCorruptionTests(ITestOutputHelper output)
{
    static readonly string[] Targets = [".debug_info", ".debug_abbrev", ".debug_line", ".debug_frame", ".debug_loc", ".debug_loclists", ".debug_ranges", ".debug_rnglists", ".debug_addr"];

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public async Task CorruptSectionsFailOnlyWithBinaryFormatException(string release)
    {
        // Uncompressed DWARF, so the damage reaches our parsers instead of stopping in zlib.
        var binary = GoFixture.Build("layouts", release, GoBuildFlags.UncompressedDwarf);
        var original = File.ReadAllBytes(binary);
        var image = ElfImage.Parse(binary, original);
        var sections = Targets.Select(image.FindSection).OfType<ElfSectionInfo>().Where(s => s.Size > 0).ToList();
        Assert.Contains(sections, s => s.Name == ".debug_info");
        var pcs = DwarfFixture.SamplePcs(DwarfData.Load(image)!, 30, seed: 3);

        var outcomes = new Dictionary<string, int>();
        var budget = Stopwatch.StartNew();
        var seeds = 0;
        for (var seed = 0; seed < 400 && (seeds < 30 || budget.Elapsed < TimeSpan.FromSeconds(4)); seed++, seeds++)
        {
            var rng = new Random(seed * 7919 + GoToolchains.Get(release).Minor); // deterministic per toolchain
            var bytes = (byte[])original.Clone();
            var section = sections[seed % 3 == 0 ? 0 : rng.Next(sections.Count)];
            var mode = Corrupt(bytes, section, rng);
            var outcome = "ok";
            var walk = Task.Run(() => Walk(binary, bytes, pcs));
            if (await Task.WhenAny(walk, Task.Delay(TimeSpan.FromSeconds(20))) != walk)
                Assert.Fail($"seed {seed}: {mode} in {section.Name} did not finish (hang?)");
            if (walk.Exception?.InnerException is { } e)
            {
                Assert.True(e is BinaryFormatException, $"seed {seed}: {mode} in {section.Name} threw {e}");
                outcome = "BinaryFormatException";
            }
            var key = $"{section.Name} {mode.Split(' ')[0]} -> {outcome}";
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
        }
        output.WriteLine($"{seeds} corrupted binaries in {budget.ElapsedMilliseconds} ms");
        foreach (var (k, v) in outcomes.OrderBy(k => k.Key)) output.WriteLine($"{v,4} {k}");
        Assert.Contains(outcomes.Keys, k => k.EndsWith("BinaryFormatException"));
    }

    static string Corrupt(byte[] bytes, ElfSectionInfo section, Random rng)
    {
        var start = (int)section.FileOffset;
        var size = (int)section.Size;
        switch (rng.Next(4))
        {
            case 0:
            {
                var n = rng.Next(1, 9);
                for (var i = 0; i < n; i++) bytes[start + rng.Next(size)] ^= (byte)rng.Next(1, 256);
                return $"flip {n} bytes";
            }
            case 1:
            {
                // An unterminated LEB128 run.
                var at = start + rng.Next(size);
                var n = Math.Min(rng.Next(1, 16), start + size - at);
                for (var i = 0; i < n; i++) bytes[at + i] = 0xff;
                return $"leb at 0x{at - start:x}";
            }
            case 2:
            {
                // Truncate: shrink the section header's size.
                var newSize = rng.Next(size);
                SetSectionSize(bytes, section, newSize);
                return $"truncate to {newSize}";
            }
            default:
            {
                var at = start + rng.Next(size);
                var n = Math.Min(rng.Next(1, 64), start + size - at);
                rng.NextBytes(bytes.AsSpan(at, n));
                return $"garbage {n} bytes";
            }
        }
    }

    static void SetSectionSize(byte[] bytes, ElfSectionInfo section, int newSize)
    {
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(0x28));
        var entSize = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(0x3a));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(0x3c));
        for (var i = 0; i < count; i++)
        {
            var h = bytes.AsSpan(shoff + i * entSize, entSize);
            if ((long)BinaryPrimitives.ReadUInt64LittleEndian(h[0x18..]) == section.FileOffset &&
                (long)BinaryPrimitives.ReadUInt64LittleEndian(h[0x20..]) == section.Size)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(h[0x20..], (ulong)newSize);
                return;
            }
        }
        throw new InvalidOperationException($"section header of {section.Name} not found");
    }

    /// <summary>Touches everything the public API can reach.</summary>
    static void Walk(string name, byte[] bytes, List<ulong> pcs)
    {
        var dwarf = DwarfData.Load(ElfImage.Parse(name, bytes));
        if (dwarf is null) return;
        foreach (var unit in dwarf.CompileUnits)
        {
            _ = unit.Name;
            _ = unit.Ranges;
            if (unit.LineTable is { } lines) _ = lines.Rows.Count();
        }
        _ = dwarf.FunctionCount + dwarf.TypeCount;
        foreach (var f in dwarf.Functions)
        {
            _ = f.DeclFile;
            foreach (var v in f.Variables)
                if (v.Location?.ExpressionAt(f.LowPc) is { } e) _ = DwarfExpression.Disassemble(e);
            _ = f.InlinedCalls.Count;
        }
        foreach (var typeName in dwarf.TypeNames.Take(300).Concat(["runtime.g", "main.Order"]))
        {
            if (dwarf.FindType(typeName) is not { } t) continue;
            _ = (t.Size, t.Align, t.Kind, t.Elem?.Name, t.Key?.Name, t.Count, t.RuntimeTypeAddress);
            foreach (var field in t.Fields) _ = (field.Type.Size, field.Type.Align);
            _ = GoTypeLayoutPrinter.Print(t);
        }
        _ = dwarf.FindConstant("runtime._Grunning");
        _ = dwarf.FindVariableAddress("runtime.allgs");
        foreach (var pc in pcs)
        {
            _ = dwarf.LineFor(pc);
            _ = dwarf.FrameAt(pc);
            _ = dwarf.FunctionFor(pc)?.InlineChainAt(pc);
        }
    }
}
