using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using SideEye.Bpf.Btf;
using SideEye.Bpf.Internal.Sys;

namespace SideEye.Bpf.Tests;

/// <summary>
/// Every field offset of our hand-written attr structs against the running kernel's union bpf_attr and
/// struct perf_event_attr from vmlinux BTF (field names are our PascalCase of the kernel's snake_case).
/// </summary>
public sealed class AttrLayoutTests
{
    static readonly BtfSpec Btf = BtfSpec.Vmlinux;

    /// <summary>The arm of union bpf_attr: a named member, or the anonymous struct holding a distinctive field.</summary>
    static uint Arm(string locator)
    {
        var attr = Btf.FindType("bpf_attr", BtfKind.Union);
        if (!locator.StartsWith('~')) return Btf.Resolve(Btf.Member(attr, locator).TypeId);
        foreach (var m in Btf.Members(attr).Where(m => m.Name.Length == 0))
        {
            var arm = Btf.Resolve(m.TypeId);
            if (Btf.Type(arm).Kind == BtfKind.Struct && Btf.Members(arm).Any(x => x.Name == locator[1..])) return arm;
        }
        throw new InvalidOperationException($"no anonymous arm of bpf_attr has {locator[1..]}");
    }

    static string Snake(string pascal)
    {
        var sb = new StringBuilder();
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && sb.Length > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    [Theory]
    [InlineData(typeof(MapCreateAttr), "~map_type", "")]
    [InlineData(typeof(MapElemAttr), "~key", "")]
    [InlineData(typeof(ProgLoadAttr), "~insn_cnt", "")]
    [InlineData(typeof(ProgTestRunAttr), "test", "")]
    [InlineData(typeof(LinkCreateAttr), "link_create", "IterInfoOrCookie=iter_info")]
    [InlineData(typeof(IterCreateAttr), "iter_create", "")]
    [InlineData(typeof(BtfLoadAttr), "~btf_log_buf", "")]
    public void Bpf_attr_fields_sit_where_the_kernel_has_them(Type ours, string arm, string renames)
    {
        var armId = Arm(arm);
        CheckFields(ours, armId, renames);
        Assert.True(Marshal.SizeOf(ours) <= Btf.SizeOf(armId) + 8, $"{ours.Name} is larger than the kernel's arm");
    }

    [Fact]
    public void Perf_event_attr_fields_sit_where_the_kernel_has_them()
    {
        var id = Btf.FindType("perf_event_attr", BtfKind.Struct);
        CheckFields(typeof(PerfEventAttr), id, "Flags=");
        // The bitfield word follows read_format.
        Assert.Equal(Btf.MemberOffset("perf_event_attr.read_format") + 8, (int)Marshal.OffsetOf<PerfEventAttr>(nameof(PerfEventAttr.Flags)));
    }

    static void CheckFields(Type ours, uint structId, string renames)
    {
        var map = renames.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split('=')).ToDictionary(r => r[0], r => r[1]);
        foreach (var field in ours.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = map.TryGetValue(field.Name, out var renamed) ? renamed : Snake(field.Name);
            if (name.Length == 0) continue; // not a named kernel field (bitfields)
            var offset = field.GetCustomAttribute<FieldOffsetAttribute>()?.Value ?? throw new InvalidOperationException($"{ours.Name}.{field.Name} has no FieldOffset");
            var kernel = Btf.Member(structId, name);
            Assert.True(kernel.ByteOffset == offset, $"{ours.Name}.{field.Name}: ours {offset}, kernel {name} at {kernel.ByteOffset}");
        }
    }
}
