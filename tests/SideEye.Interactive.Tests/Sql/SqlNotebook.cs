using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using SideEye.Interactive.Sql;

namespace SideEye.Interactive.Tests.Sql;

/// <summary>
/// A notebook's kernel in-process, as dotnet-interactive makes it for value sharing: C# with #!share, and the
/// extension loaded into the composite, in a directory of its own (the notebook's folder).
/// </summary>
sealed class SqlNotebook : IDisposable
{
    readonly CompositeKernel _kernel = new() { new CSharpKernel().UseValueSharing() };

    readonly bool _ownsDirectory;

    /// <param name="directory">The notebook's directory, where relative paths and the default database point; a new
    /// one of its own, deleted with the notebook, if null.</param>
    public SqlNotebook(string? directory = null)
    {
        _ownsDirectory = directory is null;
        Directory = directory ?? System.IO.Directory.CreateTempSubdirectory("sideeye-notebook-").FullName;
        _kernel.DefaultKernelName = "csharp";
        SideEyeExtension.Load(_kernel, Directory);
    }

    public CompositeKernel Kernel => _kernel;

    public string Directory { get; }

    public async Task<KernelCommandResult> SubmitAsync(string code) => await _kernel.SendAsync(new SubmitCode(code));

    /// <summary>The result sets a SQL cell shows, each with its HTML and plain text; fails the test if the cell failed.</summary>
    public async Task<IReadOnlyList<(SqlResultSet Result, string Html, string Text)>> TablesAsync(string code)
    {
        var result = await SubmitAsync(code);
        var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
        Assert.True(failed is null, failed?.Message);
        return result.Events.OfType<DisplayedValueProduced>()
            .Select(d => ((SqlResultSet)d.Value, d.FormattedValues.Single(v => v.MimeType == "text/html").Value, d.FormattedValues.Single(v => v.MimeType == "text/plain").Value))
            .ToList();
    }

    /// <summary>The one table a SQL cell shows.</summary>
    public async Task<(SqlResultSet Result, string Html, string Text)> TableAsync(string code) => Assert.Single(await TablesAsync(code));

    /// <summary>The value a C# cell returns; fails the test if the cell failed.</summary>
    public async Task<object?> ValueAsync(string code)
    {
        var result = await SubmitAsync(code);
        var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
        Assert.True(failed is null, failed?.Message);
        return result.Events.OfType<ReturnValueProduced>().Single().Value;
    }

    public void Dispose()
    {
        _kernel.Dispose();
        if (_ownsDirectory) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
