using SideEye.Testing;

namespace SideEye.Bpf.Tests;

[Collection(PrivilegedCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class MapTests : KernelObjectLeakCheck
{
    [Fact]
    public void Hash_update_lookup_iterate_delete()
    {
        Requires.Root();
        using var map = BpfMap.Load(new MapSpec("test_hash", MapType.Hash, 4, 8, 16));
        map.Update(1u, 100ul);
        map.Update(2u, 200ul);
        map.Update(3u, 300ul);

        Assert.True(map.TryLookup(2u, out ulong two));
        Assert.Equal(200ul, two);
        Assert.False(map.TryLookup(9u, out ulong _));

        var keys = map.Keys().Select(k => BitConverter.ToUInt32(k)).Order().ToArray();
        Assert.Equal([1u, 2u, 3u], keys);

        Assert.True(map.Delete(2u));
        Assert.False(map.Delete(2u));
        Assert.False(map.TryLookup(2u, out ulong _));
        Assert.Equal(2, map.Keys().Count());

        Assert.Throws<BpfException>(() => map.Update(1u, 1ul, MapUpdateFlags.NoExist));
    }

    [Fact]
    public void Array_has_zeroed_slots_and_rejects_out_of_range_keys()
    {
        Requires.Root();
        using var map = BpfMap.Load(new MapSpec("test_array", MapType.Array, 4, 8, 4));
        Assert.True(map.TryLookup(3u, out ulong zero));
        Assert.Equal(0ul, zero);
        map.Update(3u, 0xdeadbeeful);
        Assert.True(map.TryLookup(3u, out ulong v));
        Assert.Equal(0xdeadbeeful, v);
        Assert.Equal(4, map.Keys().Count());

        var e = Assert.Throws<BpfException>(() => map.Update(4u, 1ul));
        Assert.Equal("BPF_MAP_UPDATE_ELEM", e.Command);
        Assert.Equal("E2BIG", e.ErrnoName);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void PerCpu_array_keeps_one_value_per_possible_cpu()
    {
        Requires.Root();
        using var map = BpfMap.Load(new MapSpec("test_percpu", MapType.PerCpuArray, 4, 4, 2));
        var cpus = BpfMap.PossibleCpus;
        Assert.Equal(BpfMap.ParseCpuList(File.ReadAllText("/sys/devices/system/cpu/possible")), cpus);
        // 4-byte values occupy an 8-byte slot per CPU.
        Assert.Equal(8 * cpus, map.ValueBufferSize);

        var values = Enumerable.Range(0, cpus).Select(c => (uint)(10 * (c + 1))).ToArray();
        map.UpdatePerCpu(1u, values);
        Assert.True(map.TryLookupPerCpu(1u, out uint[] read));
        Assert.Equal(values, read);
        Assert.True(map.TryLookupPerCpu(0u, out uint[] untouched));
        Assert.All(untouched, v => Assert.Equal(0u, v));
    }

    [Fact]
    public void RingBuf_map_is_created()
    {
        Requires.Root();
        using var map = BpfMap.Load(MapSpec.RingBuf("test_rb", 4096));
        Assert.True(map.Fd >= 0);
        Assert.Equal(MapType.RingBuf, map.Spec.Type);
    }

    [Fact]
    public void Invalid_spec_names_command_and_errno()
    {
        Requires.Root();
        var e = Assert.Throws<BpfException>(() => BpfMap.Load(MapSpec.RingBuf("bad_rb", 1000)));
        Assert.Equal("BPF_MAP_CREATE", e.Command);
        Assert.Equal("EINVAL", e.ErrnoName);
        Assert.Contains("bad_rb", e.Message);
    }

    [Fact]
    public void Disposed_map_refuses_use()
    {
        Requires.Root();
        var map = BpfMap.Load(new MapSpec("test_disposed", MapType.Array, 4, 4, 1));
        map.Dispose();
        Assert.Throws<ObjectDisposedException>(() => map.Fd);
    }

    [Fact]
    public void Possible_cpu_list_parses_ranges_and_singles()
    {
        Assert.Equal(4, BpfMap.ParseCpuList("0-3\n"));
        Assert.Equal(1, BpfMap.ParseCpuList("0"));
        Assert.Equal(9, BpfMap.ParseCpuList("0-3,5,7-8"));
    }
}
