using System.Diagnostics;
using System.Text.Json;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// Runs notebooks through the real kernel: Debian's jupyter nbconvert executes a copy with the .NET kernel that
/// .ci/install-notebook installed, then exports it to HTML. Everything runs in a folder of the caller's; the kernel's
/// connection file goes to a runtime folder inside it, so whatever is left running afterwards is found and killed.
/// </summary>
static class Jupyter
{
    const string Executable = "/usr/bin/jupyter"; // Debian's, with /usr/bin/python3
    static readonly TimeSpan CellTimeout = TimeSpan.FromMinutes(3);
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(6);

    /// <summary>Executes <paramref name="notebook"/> in <paramref name="folder"/> (its copy runs there) and returns the executed file.</summary>
    public static string Execute(string notebook, string folder)
    {
        var copy = Path.Combine(folder, Path.GetFileName(notebook));
        File.Copy(notebook, copy, overwrite: true);
        var executed = Path.ChangeExtension(copy, ".executed.ipynb");
        Run(folder, "nbconvert", "--to", "notebook", "--execute", $"--ExecutePreprocessor.timeout={(int)CellTimeout.TotalSeconds}",
            "--output", Path.GetFileName(executed), copy);
        Assert.True(File.Exists(executed), $"nbconvert wrote no {executed}");
        return executed;
    }

    /// <summary>
    /// Executes <paramref name="notebook"/> in <paramref name="folder"/> as nobody (uid 65534, no capabilities), with a
    /// home in the folder, the packages .ci/install-notebook prepared for ordinary users, and the client certificate,
    /// key and fleet CA of <paramref name="machine"/> copied into the folder as that user's own files.
    /// </summary>
    public static string ExecuteAsOrdinaryUser(string notebook, string folder, AgentMachine machine)
    {
        Assert.True(Directory.Exists(UserPackages), $"{UserPackages} is missing: run `bash .ci/install-notebook`");
        var home = Directory.CreateDirectory(Path.Combine(folder, "home")).FullName;
        var certificates = Directory.CreateDirectory(Path.Combine(folder, "certificates")).FullName;
        foreach (var file in new[] { "alice.pem", "alice.key", "ca.pem" }) File.Copy(Path.Combine(machine.Fleet.Folder, file), Path.Combine(certificates, file));
        var copy = Path.Combine(folder, Path.GetFileName(notebook));
        File.Copy(notebook, copy, overwrite: true);
        // Everything the run writes is the user's: the notebook's folder, its home, its certificates; the test's own
        // folder above it (private to root when made) lets the user through, without listing it.
        Chown(folder);
        var runs = Path.GetDirectoryName(folder)!;
        File.SetUnixFileMode(runs, File.GetUnixFileMode(runs) | UnixFileMode.OtherExecute);
        var environment = new Dictionary<string, string>(machine.Environment(certificates))
        {
            ["HOME"] = home,
            ["DOTNET_CLI_HOME"] = home,
            ["NUGET_PACKAGES"] = UserPackages,
        };
        var executed = Path.ChangeExtension(copy, ".executed.ipynb");
        Run(folder, environment, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"], "nbconvert", "--to", "notebook", "--execute",
            $"--ExecutePreprocessor.timeout={(int)CellTimeout.TotalSeconds}", "--output", Path.GetFileName(executed), copy);
        Assert.True(File.Exists(executed), $"nbconvert wrote no {executed}");
        return executed;
    }

    /// <summary>The notebook packages for ordinary users' kernels, made readable to all by .ci/install-notebook.</summary>
    const string UserPackages = "/var/cache/sideeye/notebook-packages";

    static void Chown(string folder)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", "65534:65534", folder]))!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }

    /// <summary>Exports an executed notebook to HTML beside it and returns the file.</summary>
    public static string ExportHtml(string executed)
    {
        var html = Path.ChangeExtension(executed, ".html");
        Run(Path.GetDirectoryName(executed)!, "nbconvert", "--to", "html", "--output", Path.GetFileName(html), executed);
        Assert.True(File.Exists(html), $"nbconvert wrote no {html}");
        return html;
    }

    /// <summary>The code cells of an executed .ipynb; an "error" output is the cell's error.</summary>
    public static ExecutedNotebook Read(string executed)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(executed));
        var cells = new List<ExecutedCell>();
        foreach (var (cell, index) in json.RootElement.GetProperty("cells").EnumerateArray().Select((c, i) => (c, i)))
        {
            if (cell.GetProperty("cell_type").GetString() != "code") continue;
            var outputs = new List<CellOutput>();
            var errors = new List<string>();
            foreach (var output in cell.GetProperty("outputs").EnumerateArray())
            {
                switch (output.GetProperty("output_type").GetString())
                {
                    case "display_data" or "execute_result" or "update_display_data":
                        outputs.Add(new CellOutput(output.GetProperty("data").EnumerateObject().ToDictionary(p => p.Name, p => Text(p.Value))));
                        break;
                    case "stream":
                        outputs.Add(new CellOutput(new Dictionary<string, string> { ["text/plain"] = Text(output.GetProperty("text")) }));
                        break;
                    case "error":
                        errors.Add($"{output.GetProperty("ename").GetString()}: {output.GetProperty("evalue").GetString()}");
                        break;
                }
            }
            cells.Add(new ExecutedCell(index, Text(cell.GetProperty("source")), outputs, errors));
        }
        return new ExecutedNotebook(Path.GetFileName(executed), cells);
    }

    /// <summary>Jupyter writes multi-line text as a list of lines.</summary>
    static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => string.Concat(value.EnumerateArray().Select(v => v.GetString())),
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };

    static void Run(string folder, params string[] args) => Run(folder, new Dictionary<string, string>(), [], args);

    static void Run(string folder, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> prefix, params string[] args)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: run `bash .ci/install-notebook`");
        var psi = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : Executable)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in prefix.Skip(1)) psi.ArgumentList.Add(a);
        if (prefix.Count > 0) psi.ArgumentList.Add(Executable);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        psi.Environment["JUPYTER_RUNTIME_DIR"] = Path.Combine(folder, "jupyter-runtime");
        psi.Environment["PYDEVD_DISABLE_FILE_VALIDATION"] = "1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExit(RunTimeout);
        if (!exited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Assert.True(exited, $"jupyter {string.Join(' ', args)} did not end within {RunTimeout.TotalMinutes} min:\n{Tail(stderr)}");
        Assert.True(process.ExitCode == 0, $"jupyter {string.Join(' ', args)} exited with {process.ExitCode}:\n{Tail(stderr)}\n{Tail(stdout)}");
    }

    static string Tail(Task<string> output)
    {
        var text = output.Wait(TimeSpan.FromSeconds(10)) ? output.Result : "(output not read)";
        return text.Length <= 6000 ? text : "…" + text[^6000..];
    }
}
