using System.Text;
using SideEye.Bpf.Asm;
using SideEye.Bpf.Btf;

namespace SideEye.Bpf.Tests;

/// <summary>
/// Our enums against the running kernel's own enums (bpf_func_id, bpf_map_type, bpf_prog_type, bpf_attach_type, read
/// from vmlinux BTF): the numbering is ABI, so any mismatch is a typo on our side.
/// </summary>
public sealed class UapiNumberingTests
{
    static Dictionary<string, long> KernelEnum(string name)
    {
        var btf = BtfSpec.Vmlinux;
        var id = btf.TryFindType(name, BtfKind.Enum, out var e) ? e : btf.FindType(name, BtfKind.Enum64);
        return btf.EnumValues(id).ToDictionary(v => v.Name, v => v.Value);
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

    [Fact]
    public void Helper_ids_match_bpf_func_id()
    {
        var kernel = KernelEnum("bpf_func_id");
        foreach (var helper in Enum.GetValues<BpfHelper>())
        {
            var name = "BPF_FUNC_" + Snake(helper.ToString());
            Assert.True(kernel.TryGetValue(name, out var value), $"{name} not in the kernel's bpf_func_id");
            Assert.True((long)helper == value, $"{helper} = {(int)helper}, kernel {name} = {value}");
        }
    }

    [Theory]
    [InlineData("bpf_map_type", typeof(MapType), "BPF_MAP_TYPE_", "Hash=HASH,Array=ARRAY,PerfEventArray=PERF_EVENT_ARRAY,PerCpuHash=PERCPU_HASH,PerCpuArray=PERCPU_ARRAY,LruHash=LRU_HASH,RingBuf=RINGBUF")]
    [InlineData("bpf_prog_type", typeof(ProgramType), "BPF_PROG_TYPE_", "SocketFilter=SOCKET_FILTER,Kprobe=KPROBE,Tracepoint=TRACEPOINT,PerfEvent=PERF_EVENT,RawTracepoint=RAW_TRACEPOINT,Tracing=TRACING,Syscall=SYSCALL")]
    [InlineData("bpf_attach_type", typeof(AttachType), "BPF_", "TraceRawTp=TRACE_RAW_TP,TraceFentry=TRACE_FENTRY,TraceFexit=TRACE_FEXIT,TraceIter=TRACE_ITER,PerfEvent=PERF_EVENT")]
    public void Enum_values_match_the_kernel(string kernelEnum, Type ours, string prefix, string names)
    {
        var kernel = KernelEnum(kernelEnum);
        var pairs = names.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => prefix + p[1]);
        Assert.Equal(Enum.GetNames(ours).Order(), pairs.Keys.Order()); // every member is checked
        foreach (var (member, constant) in pairs)
            Assert.True(Convert.ToInt64(Enum.Parse(ours, member)) == kernel[constant], $"{ours.Name}.{member} != {constant} ({kernel[constant]})");
    }
}
