using System.Collections.Concurrent;
using SideEye.GoRuntime;
using SideEye.Probes.Values;
using SideEye.Testing;

namespace SideEye.Probes.Tests.Values;

/// <summary>One running testdata/values per toolchain, shared by a test class and ended after it.</summary>
public sealed class ValuesPrograms : IDisposable
{
    readonly ConcurrentDictionary<string, Lazy<Running>> _running = new();

    public sealed record Running(ValuesProgram Program, GoBinary Binary, ValueFormatter Formatter);

    public Running Get(string release) => _running.GetOrAdd(release, r => new Lazy<Running>(() =>
    {
        var program = new ValuesProgram(GoToolchains.Get(r));
        var binary = GoBinary.Open(program.BinaryPath);
        return new Running(program, binary, ValueFormatter.ForBinary(binary));
    })).Value;

    public void Dispose()
    {
        foreach (var lazy in _running.Values)
            if (lazy.IsValueCreated) lazy.Value.Program.Dispose();
    }
}
