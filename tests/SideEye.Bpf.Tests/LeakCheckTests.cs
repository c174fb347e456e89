using SideEye.Testing;

namespace SideEye.Bpf.Tests;

[Collection(PrivilegedCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class LeakCheckTests : KernelObjectLeakCheck
{
    /// <summary>The leak check itself: a live map shows up as a bpf-map fd and disappears on Dispose.</summary>
    [Fact]
    public void Sees_a_live_map_and_its_release()
    {
        Requires.Root();
        var before = KernelObjectFds();
        var map = BpfMap.Load(new MapSpec("leak_probe", MapType.Array, 4, 4, 1));
        var during = KernelObjectFds();
        Assert.Equal("anon_inode:bpf-map", during[map.Fd]);
        Assert.False(before.ContainsKey(map.Fd));
        var fd = map.Fd;
        map.Dispose();
        Assert.False(KernelObjectFds().ContainsKey(fd));
    }
}
