using System.Buffers.Binary;
using System.Text.Json.Nodes;
using SideEye.GoRuntime.Memory;
using SideEye.Probes.Values;
using SideEye.Testing;

namespace SideEye.Probes.Tests.Values;

/// <summary>What is cut, what is marked and what memory is missing, on testdata/values on every toolchain.</summary>
public class ValueLimitsTests(ValuesPrograms programs) : IClassFixture<ValuesPrograms>
{
    JsonNode? Global(ValuesPrograms.Running running, string name, IMemoryReader memory)
    {
        var global = running.Binary.Dwarf!.FindVariable(name)!;
        return JsonNode.Parse(running.Formatter.FormatAt(global.Type!, global.Address, memory));
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void The_1MiB_string_is_cut_at_512_bytes_with_its_length(string release)
    {
        var running = programs.Get(release);
        using var process = ProcessMemoryReader.Open(running.Program.Pid);
        var json = Global(running, "main.gHugeString", process)!;
        Assert.Equal(new string('x', 512), (string?)json["$str"]);
        Assert.Equal(1 << 20, (int?)json["$len"]);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void The_100k_map_shows_a_few_true_entries_and_its_full_count(string release)
    {
        var running = programs.Get(release);
        using var process = ProcessMemoryReader.Open(running.Program.Pid);
        var recorder = new RecordingMemoryReader(process);
        var json = Global(running, "main.gHugeMap", recorder)!;
        Assert.Equal(ValuesProgram.HugeMapEntries, (int?)json["$len"]);
        var entries = json["$entries"]!.AsObject();
        Assert.InRange(entries.Count, 1, 100);
        foreach (var (key, value) in entries) Assert.Equal(key, $"k{(int)value!}");
        // Map data stays within the budget: one block of buckets or groups (plus header, directory, tables, overflow).
        Assert.True(recorder.Reads.Sum(r => r.Bytes.Length) < 8 * 1024, $"read {recorder.Reads.Sum(r => r.Bytes.Length)} bytes");
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void A_pointer_cycle_ends_in_a_cycle_marker_naming_the_repeated_object(string release)
    {
        var running = programs.Get(release);
        using var process = ProcessMemoryReader.Open(running.Program.Pid);
        var a = process.ReadU64(running.Binary.Dwarf!.FindVariable("main.gCycle")!.Address)!.Value;
        var json = Global(running, "main.gCycle", process)!;
        Assert.Equal("a", (string?)json["Name"]);
        Assert.Equal("b", (string?)json["Next"]!["Name"]);
        Assert.Equal($"0x{a:x}", (string?)json["Next"]!["Next"]!["$cycle"]);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Pointers_beyond_the_depth_limit_are_marked(string release)
    {
        var running = programs.Get(release);
        using var process = ProcessMemoryReader.Open(running.Program.Pid);
        var node = Global(running, "main.gDeep", process)!;
        for (var level = 1; level <= 8; level++)
        {
            Assert.Equal(level, (int?)node["Level"]);
            node = node["Next"]!;
        }
        Assert.StartsWith("0x", (string?)node["$depth"]);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void A_type_only_ever_boxed_is_decoded_or_named(string release)
    {
        var running = programs.Get(release);
        using var process = ProcessMemoryReader.Open(running.Program.Pid);
        var json = Global(running, "main.gOnlyBoxed", process)!;
        if (json["$unknownType"] is not null)
            Assert.Equal("main.onlyBoxed", (string?)json["$typeName"]); // the linker wrote no DWARF for it
        else
            JsonAssert.Equal(JsonNode.Parse("""{"$type":"main.onlyBoxed","value":{"A":1,"B":2}}"""), json, release);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void The_growing_map_really_is_mid_growth_where_maps_grow_incrementally(string release)
    {
        var running = programs.Get(release);
        if (running.Binary.Version.AtLeast(1, 24)) return; // Swiss tables grow all at once
        using var process = ProcessMemoryReader.Open(running.Program.Pid);
        var global = running.Binary.Dwarf!.FindVariable("main.gGrowingMap")!;
        var hash = global.Type!.Resolved.Elem!;
        var header = process.ReadU64(global.Address)!.Value;
        Assert.NotEqual(0UL, process.ReadU64(header + (ulong)hash.Field("oldbuckets")!.Offset)!.Value);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Memory_that_is_missing_becomes_unread_markers_never_garbage(string release)
    {
        var running = programs.Get(release);
        using var process = ProcessMemoryReader.Open(running.Program.Pid);
        var dwarf = running.Binary.Dwarf!;
        var empty = new SparseMemory([]);

        var pointer = dwarf.FindVariable("main.gPointer")!;
        var bytes = new byte[8];
        Assert.True(process.TryRead(pointer.Address, bytes));
        var target = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal($$"""{"$unread":"0x{{target:x}}"}""", running.Formatter.Format(pointer.Type!, bytes, empty));
        Assert.Equal($$"""{"$unread":"0x{{pointer.Address:x}}"}""", running.Formatter.FormatAt(pointer.Type!, pointer.Address, empty));

        // Everything the struct needs except its pointee: the rest decodes, the pointer field is marked.
        var outer = dwarf.FindVariable("main.gStruct")!;
        var recorder = new RecordingMemoryReader(process);
        var full = JsonNode.Parse(running.Formatter.FormatAt(outer.Type!, outer.Address, recorder))!;
        var ptr = process.ReadU64(outer.Address + (ulong)outer.Type!.Resolved.Field("Ptr")!.Offset)!.Value;
        var partial = JsonNode.Parse(running.Formatter.FormatAt(outer.Type!, outer.Address, new SparseMemory(recorder.Reads.Where(r => r.Address != ptr))))!;
        Assert.Equal($"0x{ptr:x}", (string?)partial["Ptr"]!["$unread"]);
        partial["Ptr"] = full["Ptr"]!.DeepClone();
        JsonAssert.Equal(full, partial, "the rest of main.gStruct");
    }
}
