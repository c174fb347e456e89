using System.Globalization;
using System.Text.RegularExpressions;
using SideEye.GoRuntime;
using SideEye.GoRuntime.MachineCode;
using SideEye.Testing;

namespace SideEye.GoRuntime.Tests;

/// <summary>
/// Where net/http's connection goroutine calls the request's handler (what the built-in HTTP capture keys on), found
/// by decoding the machine code, equals what Go's own disassembler says, on every toolchain: the address after each
/// CALL net/http.serverHandler.ServeHTTP in `go tool objdump`'s listing of net/http.(*conn).serve.
/// </summary>
public sealed partial class CallSiteTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Return_addresses_of_a_call_match_go_tool_objdump(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var path = GoFixture.Build("backend", toolchain);
        var binary = GoBinary.Open(path);
        var found = FunctionCode.ReturnAddressesOfCalls(binary.Image, binary.Pclntab, "net/http.(*conn).serve", "net/http.serverHandler.ServeHTTP");

        var listing = toolchain.Run(Path.GetDirectoryName(path)!, "tool", "objdump", "-s", @"^net/http\.\(\*conn\)\.serve$", path).Split('\n');
        var expected = new List<ulong>();
        for (var i = 0; i + 1 < listing.Length; i++)
        {
            if (!listing[i].Contains("CALL net/http.serverHandler.ServeHTTP(SB)", StringComparison.Ordinal)) continue;
            // The return address is where the next instruction starts.
            expected.Add(ulong.Parse(Address().Match(listing[i + 1]).Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        Assert.NotEmpty(expected);
        Assert.Equal(expected, found);
        // A callee the function does not call directly, or a function that is not there: none.
        Assert.Empty(FunctionCode.ReturnAddressesOfCalls(binary.Image, binary.Pclntab, "net/http.(*conn).serve", "main.main"));
        Assert.Empty(FunctionCode.ReturnAddressesOfCalls(binary.Image, binary.Pclntab, "main.noSuchFunction", "net/http.serverHandler.ServeHTTP"));
    }

    [GeneratedRegex(@"\s0x([0-9a-f]+)\s")]
    private static partial Regex Address();
}
