using System.Text.Json.Nodes;
using SideEye.GoRuntime.Memory;
using SideEye.Probes.Specs;
using SideEye.Probes.Values;
using SideEye.Testing;

namespace SideEye.Probes.Tests.Values;

/// <summary>Capture expressions over testdata/values' package variables, on every toolchain.</summary>
public class ExpressionEvaluatorTests(ValuesPrograms programs) : IClassFixture<ValuesPrograms>
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Fields_derefs_indexes_keys_len_and_cap(string release)
    {
        var running = programs.Get(release);
        var resolver = new CaptureResolver(running.Binary);
        var evaluator = new ExpressionEvaluator(running.Formatter);
        using var process = ProcessMemoryReader.Open(running.Program.Pid);
        CapturedValueJson Eval(string text) => evaluator.EvaluateGlobal(resolver.Resolve("main.holdScalars", text), process);
        void Value(string text, string json)
        {
            var result = Eval(text);
            Assert.True(result.Json is not null, $"{text}: {result.Unavailable}");
            JsonAssert.Equal(JsonNode.Parse(json), JsonNode.Parse(result.Json!), text);
        }
        void Unavailable(string text, string reason)
        {
            var result = Eval(text);
            Assert.Null(result.Json);
            Assert.Equal(reason, result.Unavailable);
        }

        Value("main.gStruct.ID", "9");
        Value("main.gStruct.Name", "\"in\""); // promoted from the embedded Inner
        Value("main.gStruct.Inner.Tags", """["t1"]""");
        Value("main.gStruct.Ptr.Name", "\"ptr\"");
        Value("main.gStruct.Arr[2]", "3");
        Value("*main.gPointer", """{"X":1,"Y":2}""");
        Value("main.gPointer.Y", "2");
        Value("main.gCycle.Next.Next.Name", "\"a\"");
        Value("main.gSlice[1]", "20");
        Value("main.gIntArray[2]", "3");
        Value("main.gString[0]", "104");
        Value("main.gStrings[1]", "\"b\"");
        Value("main.gPoints[1].X", "3");
        Value("main.gMap[\"two\"]", "2");
        Value("main.gIntKeys[100]", "\"c\"");
        Value("main.gStructValues[\"q\"].Y", "4");
        Value("main.gGrowingMap[14]", "-2");
        Value("main.gGrowingMap[280]", "-40");
        Value("len(main.gSlice)", "3");
        Value("cap(main.gSlice)", "3");
        Value("len(main.gHugeString)", "1048576");
        Value("len(main.gHugeMap)", "100000");
        Value("len(main.gMap)", "3");
        Value("len(main.gNilMap)", "0");
        Value("len(main.gChan)", "3");
        Value("cap(main.gChan)", "4");
        Value("len(main.gIntArray)", "3");

        Unavailable("main.gNilPointer.X", "nil pointer dereference at main.gNilPointer");
        Unavailable("*main.gNilPointer", "nil pointer dereference at main.gNilPointer");
        Unavailable("main.gSlice[3]", "index 3 out of range [0:3] of main.gSlice");
        Unavailable("main.gLongSlice[100]", "index 100 of main.gLongSlice lies beyond the 64 elements read of 1000");
        Unavailable("main.gHugeString[600]", "index 600 of main.gHugeString lies beyond the 512 bytes read of 1048576");
        Unavailable("main.gMap[\"zzz\"]", "key \"zzz\" not in main.gMap (3 entries)");
        Unavailable("main.gNilMap[\"a\"]", "key \"a\" not in main.gNilMap, a nil map");

        // In the 100,000-entry map a key is found only among the entries a capture reads.
        var shown = JsonNode.Parse(running.Formatter.FormatAt(running.Binary.Dwarf!.FindVariable("main.gHugeMap")!.Type!,
            running.Binary.Dwarf.FindVariable("main.gHugeMap")!.Address, process))!["$entries"]!.AsObject();
        var (readKey, readValue) = shown.First();
        Value($"main.gHugeMap[\"{readKey}\"]", readValue!.ToJsonString());
        var missing = Enumerable.Range(0, 1000).Select(i => $"k{i}").First(k => !shown.ContainsKey(k));
        Unavailable($"main.gHugeMap[\"{missing}\"]", $"key \"{missing}\" not among the {shown.Count} entries read of 100000 in main.gHugeMap");
    }
}
