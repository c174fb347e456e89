using System.Text.Json.Nodes;
using SideEye.GoRuntime.Memory;
using SideEye.Probes.Values;
using SideEye.Testing;

namespace SideEye.Probes.Tests.Values;

/// <summary>
/// testdata/values' package variables decoded from the live process on every toolchain, compared with the JSON the
/// program computed from its own values; then decoded again from only the blocks the first pass read.
/// </summary>
public class ValueFormatterTests(ValuesPrograms programs) : IClassFixture<ValuesPrograms>
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Every_global_is_what_the_program_says_and_needs_only_what_was_read(string release)
    {
        var running = programs.Get(release);
        var dwarf = running.Binary.Dwarf!;
        using var process = ProcessMemoryReader.Open(running.Program.Pid);
        var failures = new List<string>();
        foreach (var (name, expected) in running.Program.Globals)
        {
            var global = dwarf.FindVariable(name) ?? throw new InvalidOperationException($"{name} not in DWARF");
            var recorder = new RecordingMemoryReader(process);
            var live = running.Formatter.FormatAt(global.Type!, global.Address, recorder);
            var fromBlocks = running.Formatter.FormatAt(global.Type!, global.Address, new SparseMemory(recorder.Reads));
            if (fromBlocks != live) failures.Add($"{name}: from its own reads {fromBlocks}, live {live}");
            Assert.All(recorder.Reads, r => Assert.InRange(r.Bytes.Length, 1, ValueReadRules.MaxBlockBytes));
            if (expected is JsonValue v && v.ToString() == "$skip") continue;
            if (JsonAssert.Difference(expected, JsonNode.Parse(live), "$") is { } where)
                failures.Add($"{name} at {where}:\n  expected {expected?.ToJsonString()}\n  actual   {live}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
