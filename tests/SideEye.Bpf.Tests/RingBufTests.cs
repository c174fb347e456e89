using SideEye.Bpf.Asm;
using SideEye.Bpf.RingBuf;
using SideEye.Testing;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Bpf.Tests;

[Collection(PrivilegedCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class RingBufTests : KernelObjectLeakCheck
{
    static readonly byte[] Packet = new byte[64];
    const int Count = 40;

    /// <summary>Record i is the first 1 + i % 13 bytes of a 16-byte pattern seeded with i, so lengths cover every 8-byte padding case.</summary>
    static byte[] Expected(int i) => Pattern(i)[..(1 + i % 13)];

    static byte[] Pattern(int i) => BitConverter.GetBytes(0x0807060504030201ul * (ulong)(i + 1)).Concat(BitConverter.GetBytes(0xf0e0d0c0b0a09000ul + (ulong)i)).ToArray();

    /// <summary>Writes Count records with bpf_ringbuf_output and, between them, reserves and discards one record each.</summary>
    static Instructions Producer()
    {
        var code = new Instructions();
        for (var i = 0; i < Count; i++)
        {
            code.Add(A.LoadImm64(R1, BitConverter.ToInt64(Pattern(i), 0)));
            code.Add(A.StoreMem(R10, -16, R1, Size.DW));
            code.Add(A.LoadImm64(R1, BitConverter.ToInt64(Pattern(i), 8)));
            code.Add(A.StoreMem(R10, -8, R1, Size.DW));
            code.Add(A.LoadMapPtr(R1, "events"));
            code.Add(A.Mov64(R2, R10));
            code.Add(A.Add64Imm(R2, -16));
            code.Add(A.Mov64Imm(R3, 1 + i % 13));
            code.Add(A.Mov64Imm(R4, 0));
            code.Add(A.Call(BpfHelper.RingbufOutput));
            // A discarded record between each pair: the reader must step over it.
            code.Add(A.LoadMapPtr(R1, "events"));
            code.Add(A.Mov64Imm(R2, 24));
            code.Add(A.Mov64Imm(R3, 0));
            code.Add(A.Call(BpfHelper.RingbufReserve));
            code.Add(A.JumpIfImm(JumpOp.Eq, R0, 0, $"skip{i}"));
            code.Add(A.StoreImm(R0, 0, -1, Size.DW));
            code.Add(A.Mov64(R1, R0));
            code.Add(A.Mov64Imm(R2, 0));
            code.Add(A.Call(BpfHelper.RingbufDiscard));
            code.Add(A.Label($"skip{i}"));
        }
        code.Add(A.Mov64Imm(R0, 0));
        code.Add(A.Exit());
        return code;
    }

    [Fact]
    public void Reader_returns_exactly_the_submitted_records_in_order()
    {
        Requires.Root();
        using var map = BpfMap.Load(MapSpec.RingBuf("events", 4096));
        var spec = new ProgramSpec("rb_producer", ProgramType.SocketFilter, Producer());
        using var prog = BpfProgram.Load(spec, new Dictionary<string, BpfMap> { ["events"] = map });
        using var reader = RingBufReader.Open(map);

        Assert.False(reader.TryRead(out _));
        // Twice: the second pass wraps around the 4 KiB data area (40 records + 40 discards ≈ 2.2 KiB per pass).
        for (var pass = 0; pass < 2; pass++)
        {
            Assert.Equal(0u, prog.TestRun(Packet).ReturnValue);
            Assert.True(reader.Wait(TimeSpan.FromSeconds(5)), "no wakeup from the ring buffer");
            var records = reader.ReadAll();
            Assert.True(Count == records.Count, $"pass {pass}: got {records.Count} records\n{spec.Instructions.Disassemble()}");
            for (var i = 0; i < Count; i++) Assert.Equal(Expected(i), records[i]);
            Assert.Equal(0, reader.Pending);
        }
    }

    [Fact]
    public void Callback_reader_sees_spans_and_stops_at_max()
    {
        Requires.Root();
        using var map = BpfMap.Load(MapSpec.RingBuf("events", 8192));
        using var prog = BpfProgram.Load(new ProgramSpec("rb_producer", ProgramType.SocketFilter, Producer()), new Dictionary<string, BpfMap> { ["events"] = map });
        using var reader = RingBufReader.Open(map);
        prog.TestRun(Packet);

        var lengths = new List<int>();
        Assert.Equal(5, reader.ReadAvailable(r => lengths.Add(r.Length), max: 5));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => 1 + i % 13), lengths);
        Assert.True(reader.TryRead(TimeSpan.FromSeconds(1), out var sixth));
        Assert.Equal(Expected(5), sixth);
        Assert.Equal(Count - 6, reader.ReadAll().Count);
    }

    [Fact]
    public void Find_looks_without_consuming_and_resumes_from_its_position()
    {
        Requires.Root();
        using var map = BpfMap.Load(MapSpec.RingBuf("events", 8192));
        using var prog = BpfProgram.Load(new ProgramSpec("rb_producer", ProgramType.SocketFilter, Producer()), new Dictionary<string, BpfMap> { ["events"] = map });
        using var reader = RingBufReader.Open(map);
        prog.TestRun(Packet);

        var seen = 0;
        Assert.True(reader.Find(r => { seen++; return r.SequenceEqual(Expected(9)); }));
        Assert.Equal(10, seen); // records 0..9, discarded ones stepped over
        ulong position = 0;
        var visits = new List<int>();
        Assert.False(reader.Find(r => { visits.Add(r.Length); return false; }, ref position));
        Assert.Equal(Count, visits.Count);
        // From the position reached, nothing new is looked at again.
        Assert.False(reader.Find(r => throw new InvalidOperationException("looked at twice"), ref position));
        // Nothing was consumed.
        Assert.Equal(Count, reader.ReadAll().Count);
    }

    [Fact]
    public void Wait_times_out_when_nothing_is_written()
    {
        Requires.Root();
        using var map = BpfMap.Load(MapSpec.RingBuf("events", 4096));
        using var reader = RingBufReader.Open(map);
        Assert.False(reader.Wait(TimeSpan.FromMilliseconds(50)));
        Assert.False(reader.TryRead(TimeSpan.FromMilliseconds(20), out _));
    }

    [Fact]
    public void Only_ring_buffers_can_be_read()
    {
        Requires.Root();
        using var map = BpfMap.Load(new MapSpec("not_rb", MapType.Array, 4, 4, 1));
        Assert.Throws<ArgumentException>(() => RingBufReader.Open(map));
    }
}
