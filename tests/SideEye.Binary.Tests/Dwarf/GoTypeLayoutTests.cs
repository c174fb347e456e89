using System.Text.RegularExpressions;
using SideEye.Binary.Dwarf.Types;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Dwarf;

public class GoTypeLayoutTests
{
    static readonly string[] RuntimeStructs = ["runtime.g", "runtime.m", "runtime.gobuf", "runtime.stack", "runtime.sudog"];
    static readonly string[] FixtureStructs =
    [
        "main.Order", "main.Customer", "main.Item", "main.Pair[int,string]", "main.Pair[string,*main.Order]",
        "main.List[float64]", "main.Node[float64]", "main.Rect", "time.Time", "sync.Mutex",
    ];

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void StructLayoutsMatchGoDebugDwarf(string release)
    {
        var binary = DwarfFixture.Layouts(release);
        var dwarf = DwarfFixture.Open(binary);
        var names = RuntimeStructs.Concat(FixtureStructs).ToArray();
        var expected = DwarfDump.Run(binary, ["struct", .. names]);
        var seen = new HashSet<string>();
        foreach (var line in expected.Where(l => l.StartsWith("type ")))
        {
            // type NAME size=S
            var m = Regex.Match(line, @"^type (.+) size=(\d+)$");
            var name = m.Groups[1].Value;
            seen.Add(name);
            var type = dwarf.FindType(name);
            Assert.True(type is not null, $"{name} not found");
            Assert.Equal(long.Parse(m.Groups[2].Value), type.Size);
            Assert.Equal(GoKind.Struct, type.Kind);
            var fields = expected.Where(l => l.StartsWith($"field {name} ")).Select(l =>
            {
                var f = Regex.Match(l[$"field {name} ".Length..], @"^(\S*) offset=(\d+) type=");
                return (Name: f.Groups[1].Value, Offset: long.Parse(f.Groups[2].Value));
            }).ToList();
            Assert.Equal(fields, type.Fields.Select(f => (f.Name, f.Offset)).ToList());
        }
        Assert.Superset(RuntimeStructs.ToHashSet(), seen);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void FixtureTypesMatchWhatTheProgramReportsAboutItself(string release)
    {
        var binary = DwarfFixture.Layouts(release);
        var dwarf = DwarfFixture.Open(binary);
        var lines = DwarfFixture.Run(binary).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var checkedTypes = 0;
        foreach (var line in lines.Where(l => l.StartsWith("type ")))
        {
            // type NAME size=S align=A kind=K
            var m = Regex.Match(line, @"^type (.+) size=(\d+) align=(\d+) kind=(\S+)$");
            Assert.True(m.Success, line);
            var name = m.Groups[1].Value;
            var type = dwarf.FindType(name);
            Assert.True(type is not null, $"{name} not found in DWARF");
            Assert.Equal((name, long.Parse(m.Groups[2].Value)), (name, type.Size));
            Assert.Equal((name, int.Parse(m.Groups[3].Value)), (name, type.Align));
            Assert.Equal((name, m.Groups[4].Value), (name, type.Kind.ToGoString()));
            // field NAME FIELD offset=O size=S type=T
            var fields = lines.Where(l => l.StartsWith($"field {name} ")).Select(l =>
            {
                var f = Regex.Match(l[$"field {name} ".Length..], @"^(\S+) offset=(\d+) size=(\d+) type=");
                return (Name: f.Groups[1].Value, Offset: long.Parse(f.Groups[2].Value), Size: long.Parse(f.Groups[3].Value));
            }).ToList();
            Assert.Equal(fields, type.Fields.Select(f => (f.Name, f.Offset, f.Type.Size)).ToList());
            checkedTypes++;
        }
        Assert.True(checkedTypes >= 10, $"only {checkedTypes} types reported by the fixture");
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void ReferenceKindsResolveElementKeyAndCount(string release)
    {
        var dwarf = DwarfFixture.Open(DwarfFixture.Layouts(release));
        var order = dwarf.FindType("main.Order")!;
        var byName = order.Fields.ToDictionary(f => f.Name, f => f.Type);

        Assert.Equal((GoKind.Map, "string", "int"), (byName["Attrs"].Kind, byName["Attrs"].Key?.Name, byName["Attrs"].Elem?.Name));
        Assert.Equal((GoKind.Chan, "int"), (byName["Events"].Kind, byName["Events"].Elem?.Name));
        Assert.Equal((GoKind.Slice, "main.Item"), (byName["Items"].Kind, byName["Items"].Elem?.Name));
        Assert.Equal((GoKind.Array, 3L, "string"), (byName["Notes"].Kind, byName["Notes"].Count, byName["Notes"].Elem?.Name));
        Assert.Equal((GoKind.Pointer, "main.Customer"), (byName["Customer"].Kind, byName["Customer"].Elem?.Name));
        Assert.Equal(GoKind.Interface, byName["Value"].Kind);
        Assert.Equal(GoKind.Func, byName["Handler"].Kind);
        Assert.Equal(GoKind.UnsafePointer, byName["ptr"].Kind);
        // Self-reference through a pointer resolves to the same cached object instead of looping.
        Assert.Same(order.Resolved, byName["Recursive"].Elem!.Resolved);
        Assert.NotNull(order.RuntimeTypeAddress);

        var celsius = dwarf.FindType("main.Celsius")!;
        Assert.Equal((8L, GoKind.Float64), (celsius.Size, celsius.Kind));
        Assert.Equal(GoKind.String, dwarf.FindType("string")!.Kind);
        Assert.Equal(GoKind.Pointer, dwarf.FindType("*main.Order")!.Kind);
        Assert.Equal(GoKind.Slice, dwarf.FindType("[]string")!.Kind);
        Assert.Equal(GoKind.Map, dwarf.FindType("map[string]int")!.Kind);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void RuntimeTypeDescriptorsAgreeWithDwarf(string release)
    {
        // The compiler's own type descriptors (internal/abi.Type: Size_ at 0, Align_ at 21, Kind_ at 23) are
        // a second, non-DWARF record of each type's size, alignment and kind.
        var dwarf = DwarfFixture.Open(DwarfFixture.Layouts(release));
        string[] names = [.. FixtureStructs, "main.Celsius", "*main.Order", "[]string", "map[string]int", "[3]string", "string", "runtime.g", "chan struct {}"];
        Span<byte> descriptor = stackalloc byte[24];
        foreach (var name in names)
        {
            var type = dwarf.FindType(name)!;
            Assert.True(type.RuntimeTypeAddress is not null, $"{name} has no runtime type");
            Assert.True(dwarf.Image.TryReadAt(type.RuntimeTypeAddress.Value, descriptor), $"{name}: descriptor unreadable");
            Assert.Equal((name, type.Size, type.Align, type.Kind),
                (name, (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(descriptor), (int)descriptor[21], (GoKind)(descriptor[23] & 0x1f)));
        }
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void LayoutPrinterListsEveryField(string release)
    {
        var dwarf = DwarfFixture.Open(DwarfFixture.Layouts(release));
        var order = dwarf.FindType("main.Order")!;
        var lines = GoTypeLayoutPrinter.Print(order).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"main.Order size={order.Size} align=8 kind=struct", lines[0]);
        Assert.Equal(order.Fields.Count, lines.Length - 1);
        Assert.Contains("  +0 ID uint64 (size 8)", lines);
    }
}
