using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;

namespace SideEye.Interactive.Tests;

/// <summary>
/// A notebook's kernel in-process: a CompositeKernel with C#, and the extension loaded the way extension.dib does,
/// in a working directory of its own (the notebook's folder: the default database and spec file go there).
/// </summary>
sealed class ExtensionKernel : IDisposable
{
    readonly CompositeKernel _kernel = new() { new CSharpKernel() };

    /// <summary>The kernel's working directory, deleted with it.</summary>
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("sideeye-notebook-").FullName;

    public ExtensionKernel()
    {
        _kernel.DefaultKernelName = "csharp";
        SideEyeExtension.Load(_kernel, Directory);
    }

    public async Task<KernelCommandResult> SubmitAsync(string code) => await _kernel.SendAsync(new SubmitCode(code));

    /// <summary>The one failure's message; fails the test if the submission did not fail.</summary>
    public static string Failure(KernelCommandResult result)
    {
        var failed = result.Events.OfType<CommandFailed>().SingleOrDefault();
        Assert.True(failed is not null, "expected the submission to fail; events: " + string.Join(", ", result.Events.Select(e => e.GetType().Name)));
        return failed.Message;
    }

    /// <summary>The submission's return value and its HTML; fails the test if the submission failed.</summary>
    public static (T Value, string Html) Returned<T>(KernelCommandResult result)
    {
        var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
        Assert.True(failed is null, failed?.Message);
        var returned = result.Events.OfType<ReturnValueProduced>().Single();
        return ((T)returned.Value, returned.FormattedValues.Single(v => v.MimeType == "text/html").Value);
    }

    public void Dispose()
    {
        _kernel.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
