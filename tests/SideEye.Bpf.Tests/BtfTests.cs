using SideEye.Bpf.Btf;

namespace SideEye.Bpf.Tests;

/// <summary>Reads the running kernel's BTF (world-readable, so no privilege needed).</summary>
public sealed class BtfTests
{
    [Fact]
    public void Finds_iterator_function_and_its_prototype()
    {
        var btf = BtfSpec.Vmlinux;
        var id = btf.FindType("bpf_iter_task", BtfKind.Func);
        var func = btf.Type(id);
        Assert.Equal("bpf_iter_task", func.Name);
        Assert.Equal(BtfKind.FuncProto, btf.Type(func.SizeOrType).Kind);
        Assert.True(btf.TryFindType("task_struct", BtfKind.Struct, out _));
        Assert.False(btf.TryFindType("task_struct", BtfKind.Func, out _));
        Assert.False(btf.TryFindType("no_such_function_anywhere", BtfKind.Func, out _));
    }

    [Fact]
    public void Member_offsets_follow_paths_and_anonymous_members()
    {
        var btf = BtfSpec.Vmlinux;
        var pid = btf.Member("task_struct.pid");
        var tgid = btf.Member("task_struct.tgid");
        // pid_t is a typedef of int; pid and tgid are adjacent in every kernel since 2.6.
        Assert.Equal(4, btf.SizeOf(pid.TypeId));
        Assert.Equal(pid.ByteOffset + 4, tgid.ByteOffset);
        Assert.Equal(0u, pid.BitfieldSize);
        // bpf_iter__task { struct bpf_iter_meta *meta; struct task_struct *task; }
        Assert.Equal(0, btf.MemberOffset("bpf_iter__task.meta"));
        Assert.Equal(8, btf.MemberOffset("bpf_iter__task.task"));
        Assert.Equal(0, btf.MemberOffset("bpf_iter_meta.seq"));
        // list_head.next, reached through a nested struct: offset adds up.
        var tasks = btf.Member("task_struct.tasks");
        Assert.Equal(tasks.ByteOffset + 8, btf.MemberOffset("task_struct.tasks.prev"));
        Assert.Throws<BpfException>(() => btf.Member("task_struct.no_such_member"));
    }

    [Fact]
    public void Walks_every_type_without_an_unknown_kind()
    {
        var btf = BtfSpec.Vmlinux;
        Assert.True(btf.TypeCount > 1000);
        var kinds = Enumerable.Range(1, btf.TypeCount - 1).Select(i => btf.Type((uint)i).Kind).ToHashSet();
        Assert.Contains(BtfKind.Struct, kinds);
        Assert.Contains(BtfKind.Func, kinds);
        Assert.Contains(BtfKind.Typedef, kinds);
    }

    [Fact]
    public void Rejects_data_that_is_not_btf()
    {
        Assert.Throws<BpfException>(() => BtfSpec.Parse(new byte[32]));
    }
}
