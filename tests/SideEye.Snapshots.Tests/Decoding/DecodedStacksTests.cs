using SideEye.Snapshots.Decoding;
using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Tests.Decoding;

public class DecodedStacksTests
{
    static StackFrame[] Frames(params ulong[] pcs) => pcs.Select(pc => new StackFrame(pc, $"f{pc:x}", "x.go", 1, false, false, true)).ToArray();

    [Fact]
    public void A_stack_seen_again_is_not_decoded_again_and_shares_its_frames()
    {
        var stacks = new DecodedStacks();
        var decoded = 0;
        (StackFrame[], bool) Decode(ulong[] pcs) { decoded++; return (Frames(pcs), false); }
        var first = stacks.Get([0x10, 0x20, 0x30], false, () => Decode([0x10, 0x20, 0x30]));
        var again = stacks.Get(new List<ulong> { 0x10, 0x20, 0x30 }, false, () => Decode([0x10, 0x20, 0x30]));
        Assert.Equal(1, decoded);
        Assert.Same(first.Frames, again.Frames);
    }

    [Fact]
    public void Stacks_that_differ_in_a_pc_its_length_or_how_the_first_pc_is_read_are_decoded_each()
    {
        var stacks = new DecodedStacks();
        var decoded = 0;
        foreach (var (pcs, exact) in new (ulong[], bool)[] { ([0x10, 0x20], false), ([0x10, 0x21], false), ([0x10, 0x20, 0x30], false), ([0x10, 0x20], true), ([0x10], false) })
            stacks.Get(pcs, exact, () => { decoded++; return (Frames(pcs), false); });
        Assert.Equal(5, decoded);
    }

    [Fact]
    public void The_callers_array_may_change_afterwards()
    {
        var stacks = new DecodedStacks();
        ulong[] pcs = [0x10, 0x20];
        stacks.Get(pcs, false, () => (Frames(0x10, 0x20), false));
        pcs[1] = 0x99;
        var decoded = false;
        var got = stacks.Get([0x10, 0x20], false, () => { decoded = true; return (Frames(0x10, 0x20), false); });
        Assert.False(decoded);
        Assert.Equal(0x20ul, got.Frames[1].Pc);
    }

    [Fact]
    public void Past_its_bound_it_starts_over_instead_of_growing()
    {
        var stacks = new DecodedStacks();
        for (ulong i = 0; i < DecodedStacks.MaxStacks + 10; i++) stacks.Get([i], false, () => (Frames(i), false));
        var decoded = false;
        stacks.Get([0ul], false, () => { decoded = true; return (Frames(0), false); });
        Assert.True(decoded);
    }
}
