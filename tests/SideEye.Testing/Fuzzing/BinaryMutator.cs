namespace SideEye.Testing.Fuzzing;

/// <summary>
/// A seeded generator of damaged copies of one intact ELF binary: bytes flipped in one chosen part of it, or the file cut
/// short. The same (seed, index) always gives the same bytes, so a failure is reproduced from its <see cref="Mutation.Id"/>.
/// </summary>
public sealed class BinaryMutator
{
    const int MaxFlips = 8;

    readonly byte[] _original;
    readonly ElfRegions _regions;
    readonly MutationKind[] _kinds;

    public BinaryMutator(string name, byte[] original, int seed)
    {
        Name = name;
        Seed = seed;
        _original = original;
        _regions = ElfRegions.Read(name, original);
        // A stripped binary has no DWARF to damage: its mutations go round the kinds it has.
        _kinds = Enum.GetValues<MutationKind>().Where(k => Targets(k).Count > 0 || k is MutationKind.Random or MutationKind.Truncation).ToArray();
    }

    public string Name { get; }
    public int Seed { get; }
    public IReadOnlyList<MutationKind> Kinds => _kinds;
    /// <summary>The intact binary the mutations are made from.</summary>
    public ReadOnlySpan<byte> Original => _original;

    /// <summary>The <paramref name="index"/>th mutation: the kinds take turns, so any run of mutations covers them all evenly.</summary>
    public Mutation Mutate(int index) => Mutate(index, _kinds[index % _kinds.Length]);

    public Mutation Mutate(int index, MutationKind kind)
    {
        // System.Random with a seed is the same sequence on every run and machine.
        var random = new Random(unchecked(Seed * 1_000_003 + index));
        var bytes = kind switch
        {
            MutationKind.Truncation => Truncate(random),
            MutationKind.Random => Flip(random, [new FileRegion(0, _original.Length)]),
            // Half the header mutations set whole fields, since a size or offset is wrong as a whole far more often than
            // byte by byte: a byte flipped at random rarely lands in the high bytes of a field that matter.
            MutationKind.ElfHeader or MutationKind.ProgramHeaders or MutationKind.SectionHeaders when random.Next(2) == 0 => SetFields(random, kind),
            _ => Flip(random, Targets(kind)),
        };
        return new Mutation(Name, Seed, index, kind, bytes);
    }

    /// <summary>One to three fields of the header table set to extremes or to values near the file's own size.</summary>
    byte[] SetFields(Random random, MutationKind kind)
    {
        var (table, entrySize, fields) = kind switch
        {
            MutationKind.ElfHeader => (ElfRegions.ElfHeader, (int)ElfRegions.ElfHeader.Size, HeaderFields.ElfHeader),
            MutationKind.ProgramHeaders => (_regions.ProgramHeaders, HeaderFields.ProgramHeaderSize, HeaderFields.ProgramHeader),
            _ => (_regions.SectionHeaders, HeaderFields.SectionHeaderSize, HeaderFields.SectionHeader),
        };
        var bytes = (byte[])_original.Clone();
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            var entry = table.Offset + (long)random.Next((int)(table.Size / entrySize)) * entrySize;
            var field = fields[random.Next(fields.Count)];
            var span = bytes.AsSpan((int)(entry + field.Offset), field.Width);
            var mask = field.Width == 8 ? ulong.MaxValue : (1UL << (8 * field.Width)) - 1;
            var current = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian([.. span, .. new byte[8 - field.Width]]);
            var value = random.Next(6) switch
            {
                0 => 0UL,
                1 => mask,
                2 => mask >> 1,
                3 => (ulong)_original.Length + (ulong)random.Next(-8, 9),
                4 => (ulong)random.NextInt64(_original.Length),
                _ => current ^ (1UL << random.Next(8 * field.Width)),
            };
            for (var b = 0; b < field.Width; b++) span[b] = (byte)((value & mask) >> (8 * b));
        }
        return bytes;
    }

    IReadOnlyList<FileRegion> Targets(MutationKind kind) => kind switch
    {
        MutationKind.ElfHeader => [ElfRegions.ElfHeader],
        MutationKind.ProgramHeaders => [_regions.ProgramHeaders],
        MutationKind.SectionHeaders => [_regions.SectionHeaders],
        MutationKind.Pclntab => _regions.Section(".gopclntab") is { } pclntab ? [pclntab] : [],
        MutationKind.Dwarf => _regions.Dwarf,
        MutationKind.BuildInfo => _regions.Section(".go.buildinfo") is { } buildInfo ? [buildInfo] : [],
        _ => [],
    };

    byte[] Flip(Random random, IReadOnlyList<FileRegion> targets)
    {
        var bytes = (byte[])_original.Clone();
        var flips = random.Next(1, MaxFlips + 1);
        for (var i = 0; i < flips; i++)
        {
            var region = targets[random.Next(targets.Count)];
            var at = region.Offset + random.NextInt64(region.Size);
            // All-ones and zero bytes make the largest and the empty sizes and counts, where readers go wrong most.
            bytes[at] = random.Next(4) switch
            {
                0 => (byte)(bytes[at] ^ (1 << random.Next(8))),
                1 => 0xff,
                2 => 0x00,
                _ => (byte)(bytes[at] ^ random.Next(1, 256)),
            };
        }
        return bytes;
    }

    byte[] Truncate(Random random)
    {
        long length;
        if (random.Next(2) == 0) length = random.NextInt64(_original.Length);
        else
        {
            // Just inside the start of a table or section: the header that says how much follows survives, the rest does not.
            var parts = _regions.Sections.Values.Append(_regions.ProgramHeaders).Append(_regions.SectionHeaders).ToArray();
            var part = parts[random.Next(parts.Length)];
            length = Math.Min(_original.Length - 1, part.Offset + random.NextInt64(Math.Min(part.Size, 256)));
        }
        return _original.AsSpan(0, (int)length).ToArray();
    }
}
