using System.Collections.Concurrent;
using SideEye.Testing;

namespace SideEye.Notebooks.Tests;

/// <summary>Every notebook, run in this process with the demo running (once each, shared by the tests).</summary>
public sealed class InProcessRuns : IDisposable
{
    readonly TempFolder _folder = new();
    readonly Lazy<DemoService> _demo;
    readonly Lazy<AgentMachine> _machine;
    readonly Lazy<FleetMachines> _fleet;
    readonly Lazy<TwoServices> _services = new(() => new TwoServices());
    readonly ConcurrentDictionary<string, Lazy<(ExecutedNotebook Notebook, int BpfFdsBefore, int BpfFdsAfter)>> _runs = new();

    public InProcessRuns()
    {
        _demo = new(() => new DemoService(_folder.Path));
        _machine = new(() => new AgentMachine(_folder.Path));
        _fleet = new(() => new FleetMachines(_folder.Path));
    }

    internal DemoService Demo => _demo.Value;
    /// <summary>The agent's machine of notebooks/remote.ipynb.</summary>
    internal AgentMachine Machine => _machine.Value;
    /// <summary>The machines of notebooks/fleet.ipynb.</summary>
    internal FleetMachines Fleet => _fleet.Value;
    /// <summary>The frontend and backend of notebooks/requests.ipynb.</summary>
    internal TwoServices Services => _services.Value;

    internal string FolderOf(string notebook) => Path.Combine(_folder.Path, Path.GetFileNameWithoutExtension(notebook));

    /// <summary>The notebook after its run, and the BPF objects this process held before and after it.</summary>
    internal (ExecutedNotebook Notebook, int BpfFdsBefore, int BpfFdsAfter) Run(string name) => _runs.GetOrAdd(name, n => new(() =>
    {
        var demo = Demo;
        var folder = Directory.CreateDirectory(FolderOf(n)).FullName;
        // The fleet runbook finds its fleet file beside it, as a team keeps one.
        if (n == FleetChecks.Notebook) Fleet.WriteFleetFile(folder);
        if (n == RequestsChecks.Notebook) _ = Services;
        var before = KernelObjectLeakCheck.KernelObjectFds().Count;
        // The notebook made for agents reads where its agent is and who the user is from the environment, as a user sets it.
        var environment = n == RemoteChecks.Notebook ? Machine.Environment() : new Dictionary<string, string>();
        foreach (var (k, v) in environment) Environment.SetEnvironmentVariable(k, v);
        try
        {
            var notebook = InProcessNotebook.RunAsync(NotebookFiles.PathOf(n), folder).GetAwaiter().GetResult();
            return (notebook, before, KernelObjectLeakCheck.KernelObjectFds().Count);
        }
        finally
        {
            foreach (var k in environment.Keys) Environment.SetEnvironmentVariable(k, null);
        }
    })).Value;

    public void Dispose()
    {
        if (_demo.IsValueCreated) _demo.Value.Dispose();
        if (_machine.IsValueCreated) _machine.Value.Dispose();
        if (_fleet.IsValueCreated) _fleet.Value.Dispose();
        if (_services.IsValueCreated) _services.Value.Dispose();
        _folder.Dispose();
    }
}

/// <summary>
/// The notebooks run in-process: parsed with Microsoft.DotNet.Interactive.Documents, each cell submitted to a
/// CompositeKernel with C# whose #r nuget loads SideEye.Interactive from the local feed (see <see cref="InProcessNotebook"/>).
/// </summary>
[Collection(NotebookRunsCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class InProcessNotebookTests(InProcessRuns runs) : IClassFixture<InProcessRuns>
{
    [Theory]
    [MemberData(nameof(NotebookFiles.Data), MemberType = typeof(NotebookFiles))]
    public void The_notebook_runs_in_process_without_a_failed_cell(string notebook)
    {
        Requires.Root();
        var run = runs.Run(notebook);
        run.Notebook.AssertNoCellFailed();
        // The kernel's snapshotter unloaded its probes when the kernel was disposed.
        Assert.Equal(run.BpfFdsBefore, run.BpfFdsAfter);
    }

    [Fact]
    public void Quickstart_in_process_loads_the_feed_s_build_and_shows_the_demo()
    {
        Requires.Root();
        var build = LocalFeed.AssertPackageIsCurrent();
        var notebook = runs.Run(QuickstartChecks.Notebook).Notebook;
        // This process has no reference to the extension: the one it runs came from the package.
        var loaded = Assert.Single(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "SideEye.Interactive");
        Assert.Equal(build, loaded.ManifestModule.ModuleVersionId);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "Plotly.NET");
        QuickstartChecks.Check(notebook, runs.Demo, build);
    }

    [Fact]
    public void Remote_in_process_snapshots_through_the_agent()
    {
        Requires.Root();
        RemoteChecks.Check(runs.Run(RemoteChecks.Notebook).Notebook, runs.Machine, runs.FolderOf(RemoteChecks.Notebook), ordinaryUser: false);
    }

    [Fact]
    public void Fleet_in_process_snapshots_every_api_process_of_the_fleet()
    {
        Requires.Root();
        FleetChecks.Check(runs.Run(FleetChecks.Notebook).Notebook, runs.Fleet, runs.FolderOf(FleetChecks.Notebook));
    }

    [Fact]
    public void Requests_in_process_follows_the_oldest_request_into_the_backend()
    {
        Requires.Root();
        RequestsChecks.Check(runs.Run(RequestsChecks.Notebook).Notebook, runs.Services);
    }

    [Fact]
    public void Postmortem_in_process_finds_the_leak_that_grew()
    {
        Requires.Root();
        PostmortemChecks.Check(runs.Run(PostmortemChecks.Notebook).Notebook, runs.Demo);
    }
}
