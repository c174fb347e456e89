using BenchmarkDotNet.Attributes;
using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;
using SideEye.GoRuntime;

namespace SideEye.Benchmarks;

[MemoryDiagnoser]
[ShortRunJob]
public class SymbolizeBenchmarks
{
    string _binary = "";
    ulong[] _pcs = [];
    GoPclntab _table = null!;

    [GlobalSetup]
    public void Setup()
    {
        _binary = BenchTarget.Binary();
        _pcs = BenchTarget.RandomPcs(_binary);
        _table = GoBinary.Open(_binary).Pclntab;
    }

    [Benchmark(Description = "open + index cmd/go (ELF, pclntab, DWARF, runtime model)")]
    public object Index()
    {
        var bin = GoBinary.Open(_binary);
        _ = bin.Dwarf!.FunctionCount;
        return bin.Runtime;
    }

    [Benchmark(OperationsPerInvoke = BenchTarget.QueryCount, Description = "addr2line per query")]
    public int Addr2Line()
    {
        var n = 0;
        foreach (var pc in _pcs) n += _table.Lookup(pc).Line;
        return n;
    }

    [Benchmark(OperationsPerInvoke = BenchTarget.QueryCount, Description = "addr2line --inline per query")]
    public int Addr2LineInline()
    {
        var n = 0;
        foreach (var pc in _pcs) n += _table.LookupInlined(pc).Count;
        return n;
    }
}
