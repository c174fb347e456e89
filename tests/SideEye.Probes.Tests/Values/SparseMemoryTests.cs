using SideEye.Probes.Values;

namespace SideEye.Probes.Tests.Values;

public class SparseMemoryTests
{
    static byte[] Bytes(int start, int count) => Enumerable.Range(start, count).Select(i => (byte)i).ToArray();

    [Fact]
    public void A_read_succeeds_only_inside_blocks_also_across_adjacent_or_overlapping_ones()
    {
        var memory = new SparseMemory([(0x1000, Bytes(0, 16)), (0x1010, Bytes(16, 16)), (0x1018, Bytes(24, 16)), (0x2000, Bytes(100, 4))]);
        Assert.Equal(2, memory.RunCount);
        var buffer = new byte[40];
        Assert.True(memory.TryRead(0x1000, buffer));
        Assert.Equal(Bytes(0, 40), buffer);
        Assert.False(memory.TryRead(0x1000, new byte[41]));
        Assert.False(memory.TryRead(0xfff, new byte[1]));
        Assert.False(memory.TryRead(0x1ffe, new byte[4]));
        var tail = new byte[2];
        Assert.True(memory.TryRead(0x2002, tail));
        Assert.Equal(Bytes(102, 2), tail);
        Assert.False(memory.TryRead(0x2003, new byte[2]));
        Assert.True(memory.TryRead(0x5000, []));
    }

    [Fact]
    public void Later_blocks_win_where_blocks_overlap()
    {
        var memory = new SparseMemory([(0x10, new byte[] { 1, 1, 1, 1 }), (0x12, new byte[] { 2, 2 })]);
        var buffer = new byte[4];
        Assert.True(memory.TryRead(0x10, buffer));
        Assert.Equal(new byte[] { 1, 1, 2, 2 }, buffer);
    }

    [Fact]
    public void Many_thousands_of_blocks_in_any_order()
    {
        var random = new Random(4);
        var blocks = Enumerable.Range(0, 20_000).Select(i => ((ulong)i * 64, Bytes(i, 32))).OrderBy(_ => random.Next()).ToList();
        var memory = new SparseMemory(blocks);
        Assert.Equal(20_000, memory.RunCount);
        var buffer = new byte[32];
        for (var i = 0; i < 20_000; i += 7)
        {
            Assert.True(memory.TryRead((ulong)i * 64, buffer));
            Assert.Equal((byte)i, buffer[0]);
            Assert.False(memory.TryRead((ulong)i * 64 + 16, buffer));
        }
    }
}
