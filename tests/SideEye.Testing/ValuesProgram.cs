using System.Text.Json.Nodes;

namespace SideEye.Testing;

/// <summary>
/// A running testdata/values: package variables and parked main.hold* goroutines holding known values, with the
/// JSON SideEye must produce for each as the program itself computed it ("expect {json}" line). Ready when
/// constructed; disposing closes its standard input, which ends it.
/// </summary>
public sealed class ValuesProgram : IDisposable
{
    readonly LaunchedProgram _program;

    public ValuesProgram(GoToolchain toolchain, GoBuildFlags flags = GoBuildFlags.Default, PidNamespace? ns = null)
    {
        Toolchain = toolchain;
        BinaryPath = GoFixture.Build("values", toolchain, flags);
        _program = LaunchedProgram.StartUntilReady(BinaryPath, [], TimeSpan.FromSeconds(60), ns: ns);
        var line = _program.Lines.SingleOrDefault(l => l.StartsWith("expect ", StringComparison.Ordinal));
        if (line is null)
        {
            Dispose();
            throw new InvalidOperationException($"values ({toolchain}) printed no expect line");
        }
        var expected = JsonNode.Parse(line["expect ".Length..])!.AsObject();
        Globals = expected["globals"]!.AsObject();
        Frames = expected["frames"]!.AsObject();
    }

    public GoToolchain Toolchain { get; }
    public string BinaryPath { get; }
    public int Pid => _program.Pid;

    /// <summary>Its pid in the test's PID namespace (the same as <see cref="Pid"/> unless started in another).</summary>
    public int HostPid => _program.HostPid;

    /// <summary>Package variable name ("main.gMap") → expected JSON; the string "$skip" where it depends on map hashing.</summary>
    public JsonObject Globals { get; }

    /// <summary>Function ("main.holdScalars") → parameter name → expected JSON.</summary>
    public JsonObject Frames { get; }

    /// <summary>Entries of main.gHugeMap: "k&lt;i&gt;" → i for i below this.</summary>
    public const int HugeMapEntries = 100000;

    public void Dispose() => _program.Dispose();
}
