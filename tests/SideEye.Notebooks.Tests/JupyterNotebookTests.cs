using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using SideEye.Testing;

namespace SideEye.Notebooks.Tests;

/// <summary>Every notebook executed by jupyter nbconvert with the real .NET kernel, the demo running, then exported to HTML (once each).</summary>
public sealed class JupyterRuns : IDisposable
{
    readonly TempFolder _folder = new();
    readonly Lazy<DemoService> _demo;
    readonly Lazy<AgentMachine> _machine;
    readonly Lazy<FleetMachines> _fleet;
    readonly Lazy<TwoServices> _services = new(() => new TwoServices());
    readonly ConcurrentDictionary<string, Lazy<(ExecutedNotebook Notebook, string Html)>> _runs = new();

    public JupyterRuns()
    {
        _demo = new(() => new DemoService(_folder.Path));
        _machine = new(() => new AgentMachine(_folder.Path));
        _fleet = new(() => new FleetMachines(_folder.Path));
    }

    internal string Folder => _folder.Path;
    internal DemoService Demo => _demo.Value;
    /// <summary>The agent's machine of notebooks/remote.ipynb.</summary>
    internal AgentMachine Machine => _machine.Value;
    /// <summary>The machines of notebooks/fleet.ipynb.</summary>
    internal FleetMachines Fleet => _fleet.Value;
    /// <summary>The frontend and backend of notebooks/requests.ipynb.</summary>
    internal TwoServices Services => _services.Value;

    internal string FolderOf(string notebook) => Path.Combine(_folder.Path, Path.GetFileNameWithoutExtension(notebook));

    internal (ExecutedNotebook Notebook, string Html) Run(string name) => _runs.GetOrAdd(name, n => new(() =>
    {
        var demo = Demo;
        var folder = Directory.CreateDirectory(FolderOf(n)).FullName;
        // The fleet runbook finds its fleet file beside it, as a team keeps one.
        if (n == FleetChecks.Notebook) Fleet.WriteFleetFile(folder);
        if (n == RequestsChecks.Notebook) _ = Services;
        try
        {
            // The notebook made for agents runs as it is meant to: in the kernel of an ordinary user, who has no privilege.
            var executed = n == RemoteChecks.Notebook
                ? Jupyter.ExecuteAsOrdinaryUser(NotebookFiles.PathOf(n), folder, Machine)
                : Jupyter.Execute(NotebookFiles.PathOf(n), folder);
            return (Jupyter.Read(executed), Jupyter.ExportHtml(executed));
        }
        finally
        {
            LeftRunning[n] = ProcessReaper.KillAll(folder);
        }
    })).Value;

    /// <summary>Per notebook, the processes of its run (kernel included) still running after nbconvert ended.</summary>
    internal ConcurrentDictionary<string, int> LeftRunning { get; } = new();

    public void Dispose()
    {
        try
        {
            ProcessReaper.KillAll(_folder.Path);
        }
        finally
        {
            if (_demo.IsValueCreated) _demo.Value.Dispose();
            if (_machine.IsValueCreated) _machine.Value.Dispose();
            if (_fleet.IsValueCreated) _fleet.Value.Dispose();
            if (_services.IsValueCreated) _services.Value.Dispose();
            _folder.Dispose();
        }
    }
}

/// <summary>
/// The notebooks as a user runs them: `jupyter nbconvert --execute` with the kernel .ci/install-notebook installed,
/// the executed notebook read back, its HTML export opened in headless Chromium without network.
/// </summary>
[Collection(NotebookRunsCollection.Name)]
[Trait("Category", "Privileged")]
public sealed partial class JupyterNotebookTests(JupyterRuns runs) : IClassFixture<JupyterRuns>
{
    [Theory]
    [MemberData(nameof(NotebookFiles.Data), MemberType = typeof(NotebookFiles))]
    public void The_notebook_executes_under_Jupyter_without_an_error_and_leaves_nothing_running(string notebook)
    {
        Requires.Root();
        var run = runs.Run(notebook);
        run.Notebook.AssertNoCellFailed();
        Assert.Equal(0, runs.LeftRunning[notebook]);
    }

    [Fact]
    public void Quickstart_under_Jupyter_loads_the_feed_s_build_and_shows_the_demo()
    {
        Requires.Root();
        var build = LocalFeed.AssertPackageIsCurrent();
        QuickstartChecks.Check(runs.Run(QuickstartChecks.Notebook).Notebook, runs.Demo, build);
    }

    [Fact]
    public void Fleet_under_Jupyter_snapshots_every_api_process_of_the_fleet()
    {
        Requires.Root();
        FleetChecks.Check(runs.Run(FleetChecks.Notebook).Notebook, runs.Fleet, runs.FolderOf(FleetChecks.Notebook));
    }

    /// <summary>
    /// The issue's end-to-end test: a kernel of an ordinary user (nobody, no capabilities) snapshots the demo in
    /// another PID namespace through a TLS agent, with captured values, and stores what a local root snapshot stores.
    /// </summary>
    [Fact]
    public void Remote_under_Jupyter_as_an_ordinary_user_snapshots_through_the_agent()
    {
        Requires.Root();
        RemoteChecks.Check(runs.Run(RemoteChecks.Notebook).Notebook, runs.Machine, runs.FolderOf(RemoteChecks.Notebook), ordinaryUser: true);
    }

    [Fact]
    public void Requests_under_Jupyter_follows_the_oldest_request_into_the_backend()
    {
        Requires.Root();
        RequestsChecks.Check(runs.Run(RequestsChecks.Notebook).Notebook, runs.Services);
    }

    [Fact]
    public void Postmortem_under_Jupyter_finds_the_leak_that_grew()
    {
        Requires.Root();
        PostmortemChecks.Check(runs.Run(PostmortemChecks.Notebook).Notebook, runs.Demo);
    }

    /// <summary>
    /// The icicle draws from the plotly.js inside the notebook, with no network at all: Plotly's SVG is in the DOM
    /// with a slice per stack-tree node, and the screenshot has a band of chart colours; it still draws when the page
    /// has an AMD loader (Debian's libjs-requirejs, which the export references, may be installed).
    /// </summary>
    [Fact]
    public void Quickstart_HTML_export_draws_the_icicle_offline()
    {
        Requires.Root();
        var html = runs.Run(QuickstartChecks.Notebook).Html;
        var page = File.ReadAllText(html);
        var external = ScriptSourceRegex().Matches(page).Select(m => m.Groups[1].Value).Where(src => !src.StartsWith("file:", StringComparison.Ordinal)).ToArray();
        Assert.True(external.Length == 0, "scripts loaded from elsewhere: " + string.Join(", ", external));

        var folder = Path.GetDirectoryName(html)!;
        AssertIcicleIn(Chromium.DumpDom(html, folder), html);
        var withAmd = Path.Combine(folder, "with-amd-loader.html");
        File.WriteAllText(withAmd, page.Replace("<head>", "<head><script>window.define = function () {}; window.define.amd = {};</script>", StringComparison.Ordinal));
        AssertIcicleIn(Chromium.DumpDom(withAmd, folder), withAmd);

        var screenshot = Chromium.Screenshot(html, folder, height: 8000);
        var png = Png.Read(screenshot);
        var (top, coloured) = MostColouredBand(png, 100);
        Assert.True(coloured >= 20_000, $"{screenshot}: at most {coloured} strongly coloured pixels in 100 rows (at y={top}); the icicle did not draw");
    }

    internal static void AssertIcicleIn(string dom, string page)
    {
        var layer = dom.IndexOf("class=\"iciclelayer", StringComparison.Ordinal);
        Assert.True(layer >= 0, $"{page}: no icicle layer in the DOM after its scripts ran");
        var slices = SliceRegex().Matches(dom[layer..]).Count;
        Assert.True(slices >= DemoService.Workers, $"{page}: {slices} icicle slices");
        Assert.Contains("main.worker", dom[layer..], StringComparison.Ordinal);
    }

    /// <summary>
    /// The band of <paramref name="height"/> rows with the most strongly coloured pixels, and how many: the icicle's
    /// bars give tens of thousands (its top levels span the chart's width); text, code highlighting and tables of a
    /// notebook give a few thousand at most.
    /// </summary>
    internal static (int Top, int Coloured) MostColouredBand(Png png, int height)
    {
        var perRow = new int[png.Height];
        for (var y = 0; y < png.Height; y++)
            for (var x = 0; x < png.Width; x++)
            {
                var (r, g, b) = png[x, y];
                if (Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) >= 60) perRow[y]++;
            }
        var (bestTop, best, sum) = (0, 0, 0);
        for (var y = 0; y < png.Height; y++)
        {
            sum += perRow[y] - (y >= height ? perRow[y - height] : 0);
            if (sum > best) (bestTop, best) = (Math.Max(0, y - height + 1), sum);
        }
        return (bestTop, best);
    }

    [GeneratedRegex(@"<script[^>]*\bsrc=""([^""]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptSourceRegex();
    [GeneratedRegex(@"<g class=""slice\b")]
    private static partial Regex SliceRegex();
}
