using System.Collections.Concurrent;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// Runs a notebook in this process the way dotnet-interactive would: the file parsed with
/// Microsoft.DotNet.Interactive.Documents, each code cell submitted to a CompositeKernel with C#, whose #i/#r nuget
/// restore packages and whose packages' interactive-extensions/dotnet/extension.dib runs once the package is added.
/// So the notebook's own load cell loads SideEye.Interactive from the package, not from this test's references
/// (it has none to it).
/// </summary>
static class InProcessNotebook
{
    public static async Task<ExecutedNotebook> RunAsync(string path, string workingDirectory)
    {
        var kernelInfos = new KernelInfoCollection
        {
            new("csharp", languageName: "C#", aliases: ["c#", "C#", "cs"]),
            new("markdown", languageName: "Markdown", aliases: ["md"]),
        };
        kernelInfos.DefaultKernelName = "csharp";
        var text = await File.ReadAllTextAsync(path);
        var document = path.EndsWith(".ipynb", StringComparison.Ordinal) ? Notebook.Parse(text, kernelInfos) : CodeSubmission.Parse(text, kernelInfos);

        using var kernel = CreateKernel();
        // The notebook's relative paths (sideeye.duckdb) are relative to where it runs, as under Jupyter.
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = workingDirectory;
        try
        {
            var cells = new List<ExecutedCell>();
            foreach (var (element, index) in document.Elements.Select((e, i) => (e, i)))
            {
                if (element.KernelName is "markdown") continue;
                var result = await kernel.SendAsync(new SubmitCode(element.Contents, element.KernelName ?? "csharp"));
                cells.Add(Cell(index, element.Contents, result.Events));
            }
            return new ExecutedNotebook(Path.GetFileName(path), cells);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel().UseKernelHelpers().UseValueSharing();
        csharp.UseNugetDirective((k, resolved) =>
        {
            k.AddAssemblyReferences(resolved.SelectMany(r => r.AssemblyPaths));
            return Task.CompletedTask;
        });
        var kernel = new CompositeKernel { csharp };
        kernel.DefaultKernelName = csharp.Name;

        // After the command that added a package, run its extension script (as dotnet-interactive does).
        var added = new ConcurrentQueue<string>();
        var seen = new ConcurrentDictionary<string, bool>();
        kernel.RegisterForDisposal(kernel.KernelEvents.Subscribe(e =>
        {
            if (e is PackageAdded { PackageReference.PackageRoot: { } root } && seen.TryAdd(root, true)) added.Enqueue(root);
        }));
        kernel.AddMiddleware(async (command, context, next) =>
        {
            await next(command, context);
            while (added.TryDequeue(out var root))
            {
                var script = new FileInfo(Path.Combine(root, "interactive-extensions", "dotnet", "extension.dib"));
                if (!script.Exists) continue;
                context.DisplayAs($"Loading extension script from `{script.FullName}`", "text/plain");
                await kernel.LoadAndRunInteractiveDocument(script, command);
            }
        });
        return kernel;
    }

    static ExecutedCell Cell(int index, string source, IReadOnlyList<KernelEvent> events)
    {
        var outputs = new List<CellOutput>();
        var errors = new List<string>();
        foreach (var e in events)
        {
            switch (e)
            {
                case CommandFailed failed:
                    errors.Add(failed.Message);
                    break;
                case ErrorProduced error: // a DisplayEvent too
                    errors.Add(error.Message);
                    break;
                case DisplayEvent display: // displayed, updated, returned, standard output and error
                    outputs.Add(new CellOutput(display.FormattedValues.GroupBy(v => v.MimeType).ToDictionary(g => g.Key, g => g.Last().Value)));
                    break;
            }
        }
        return new ExecutedCell(index, source, outputs, errors);
    }
}
