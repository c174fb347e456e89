using Microsoft.DotNet.Interactive.Events;

namespace SideEye.Interactive.Tests;

/// <summary>
/// The test assembly's entry point, for tests that need the extension in another process (as an unprivileged
/// user): <c>dotnet exec SideEye.Interactive.Tests.dll CELL…</c> submits each cell to an <see cref="ExtensionKernel"/>
/// and prints one line per cell, "ok TYPE" or "failed MESSAGE". Exit code 0 when every cell ran.
/// </summary>
static class CellHost
{
    public static async Task<int> Main(string[] cells)
    {
        using var kernel = new ExtensionKernel();
        var status = 0;
        foreach (var cell in cells)
        {
            var result = await kernel.SubmitAsync(cell);
            if (result.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed)
            {
                Console.WriteLine($"failed {failed.Message}");
                status = 1;
                continue;
            }
            Console.WriteLine($"ok {result.Events.OfType<ReturnValueProduced>().LastOrDefault()?.Value?.GetType().Name}");
        }
        return status;
    }
}
