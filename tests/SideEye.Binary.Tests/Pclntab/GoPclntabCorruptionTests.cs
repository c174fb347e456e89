using System.Buffers.Binary;
using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Binary.Tests.Pclntab;

/// <summary>Damaged tables must fail with BinaryFormatException, never with another exception or a hang.</summary>
public class GoPclntabCorruptionTests(ITestOutputHelper output)
{
    const int Seeds = 400;

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void CutAndFlippedBytes_GiveBinaryFormatExceptionOrAnswers(string release)
    {
        var path = GoFixture.Build("inlined", release, GoBuildFlags.Stripped);
        var original = File.ReadAllBytes(path);
        var section = ElfImage.Parse(path, original).FindSection(".gopclntab")!;
        var (start, size) = ((int)section.FileOffset, (int)section.Size);
        var functabOffset = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(start + 8 + 7 * 8));
        var outcomes = new Dictionary<string, int>();
        for (var seed = 0; seed < Seeds; seed++)
        {
            var random = new Random(seed);
            var bytes = (byte[])original.Clone();
            var table = bytes.AsSpan(start, size);
            var mutation = Mutate(table, random, functabOffset);
            string outcome;
            try
            {
                var pclntab = GoPclntab.Load(ElfImage.Parse(path, bytes));
                if (pclntab is not null) QueryEverything(pclntab);
                outcome = pclntab is null ? "null" : "answered";
            }
            catch (BinaryFormatException)
            {
                outcome = "BinaryFormatException";
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed} ({mutation}): {e.GetType().Name} instead of BinaryFormatException: {e}");
                throw;
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine($"go{release}: {string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}"))}");
        // Both outcomes must occur, or the mutations are not reaching the reader.
        Assert.True(outcomes.GetValueOrDefault("BinaryFormatException") > 0 && outcomes.GetValueOrDefault("answered") > 0,
            string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
    }

    static string Mutate(Span<byte> table, Random random, int functabOffset)
    {
        switch (random.Next(4))
        {
            case 0:
            {
                // Flip bytes, a third of them in the header, a third in the function table, a third anywhere.
                var count = random.Next(1, 9);
                for (var i = 0; i < count; i++)
                {
                    var at = (i % 3) switch
                    {
                        0 => random.Next(Math.Min(72, table.Length)),
                        1 => functabOffset + random.Next(table.Length - functabOffset),
                        _ => random.Next(table.Length),
                    };
                    table[at] ^= (byte)random.Next(1, 256);
                }
                return $"flip {count} bytes";
            }
            case 1:
            {
                // Truncate: everything after a point reads as zero.
                var at = random.Next(table.Length);
                table[at..].Clear();
                return $"truncate at 0x{at:x}";
            }
            case 2:
            {
                // Cut a run out of the middle; the rest shifts down.
                var at = random.Next(table.Length);
                var length = random.Next(1, Math.Min(4096, table.Length - at) + 1);
                table[(at + length)..].CopyTo(table[at..]);
                table[^length..].Clear();
                return $"cut 0x{length:x} bytes at 0x{at:x}";
            }
            default:
            {
                // Fill a run with 0xff: huge offsets, endless varint continuation bytes.
                var at = random.Next(table.Length);
                var length = random.Next(1, Math.Min(256, table.Length - at) + 1);
                table.Slice(at, length).Fill(0xff);
                return $"0xff run 0x{length:x} at 0x{at:x}";
            }
        }
    }

    static void QueryEverything(GoPclntab pclntab)
    {
        _ = pclntab.Files.Count;
        foreach (var f in pclntab.Functions)
        {
            var mid = f.Entry + (f.End - f.Entry) / 2;
            _ = pclntab.Lookup(f.Entry);
            _ = pclntab.Lookup(mid);
            _ = pclntab.LookupInlined(mid);
            _ = pclntab.SpDelta(mid);
        }
    }

    [Theory]
    [InlineData(0xfffffffau, "Go 1.16-1.17: too old")]
    [InlineData(0xfffffffbu, "Go 1.2-1.15: too old")]
    [InlineData(0x12345678u, "unknown pclntab magic 0x12345678")]
    public void UnsupportedMagic_IsNamed(uint magic, string expectedProblem)
    {
        foreach (var toolchain in GoToolchains.All)
        {
            var path = GoFixture.Build("inlined", toolchain, GoBuildFlags.Stripped);
            var bytes = File.ReadAllBytes(path);
            var section = ElfImage.Parse(path, bytes).FindSection(".gopclntab")!;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)section.FileOffset), magic);
            var e = Assert.Throws<BinaryFormatException>(() => GoPclntab.Load(ElfImage.Parse(path, bytes)));
            Assert.Contains(expectedProblem, e.Message);
            Assert.Equal(".gopclntab", e.Section);
        }
    }

    [Fact]
    public void NonGoBinary_HasNoPclntab()
    {
        // A C program from the system: an ELF executable with no Go tables at all.
        Assert.Null(GoPclntab.Load(ElfImage.Open("/bin/true")));
    }
}
