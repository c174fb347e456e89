using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using SideEye.Testing;

namespace SideEye.Notebooks.Tests;

/// <summary>The package in the local feed, and what the notebooks and the Jupyter kernel need to load it.</summary>
public sealed class PackageTests
{
    [Fact]
    public void The_package_holds_every_assembly_of_the_build_and_the_extension_script()
    {
        using var package = LocalFeed.OpenPackage();
        var lib = package.Entries.Where(e => e.FullName.StartsWith("lib/net10.0/", StringComparison.Ordinal)).Select(e => e.Name).Order().ToArray();
        var built = Directory.EnumerateFiles(Path.GetDirectoryName(LocalFeed.BuiltAssembly)!, "SideEye.*.dll").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(built, lib);
        Assert.Contains("SideEye.Snapshots.dll", lib);
        Assert.Contains("SideEye.Core.dll", lib);
        // Plotly.NET travels inside SideEye.Interactive.dll, never as a file a host could load.
        Assert.DoesNotContain(package.Entries, e => e.Name.StartsWith("Plotly", StringComparison.OrdinalIgnoreCase) || e.Name.StartsWith("FSharp", StringComparison.OrdinalIgnoreCase));

        var script = package.GetEntry("interactive-extensions/dotnet/extension.dib");
        Assert.True(script is not null, "no interactive-extensions/dotnet/extension.dib in the package");
        using var reader = new StreamReader(script.Open());
        var text = reader.ReadToEnd();
        Assert.StartsWith("#!csharp", text, StringComparison.Ordinal);
        Assert.Contains("SideEye.Interactive.SideEyeExtension.Load(Microsoft.DotNet.Interactive.KernelInvocationContext.Current.HandlingKernel.RootKernel)", text);
    }

    [Fact]
    public void The_package_depends_on_the_packages_of_the_kernel_projects_and_not_on_the_host()
    {
        using var package = LocalFeed.OpenPackage();
        var nuspec = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        XNamespace ns;
        XDocument doc;
        using (var stream = nuspec.Open()) doc = XDocument.Load(stream);
        ns = doc.Root!.Name.Namespace;
        Assert.Equal(LocalFeed.Version, doc.Descendants(ns + "version").Single().Value);
        var dependencies = doc.Descendants(ns + "dependency").ToDictionary(d => (string)d.Attribute("id")!, d => (string)d.Attribute("version")!);

        // Every package a packed kernel assembly's project references, at the repository's version (build-time tools,
        // PrivateAssets="All" such as Grpc.Tools, excepted: they compile, they do not ship).
        var versions = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);
        var packed = package.Entries.Where(e => e.FullName.StartsWith("lib/net10.0/SideEye.", StringComparison.Ordinal)).Select(e => Path.GetFileNameWithoutExtension(e.Name));
        var needed = packed.Select(name => Path.Combine(RepoPaths.Root, "kernel", name, name + ".csproj")).Where(File.Exists)
            .SelectMany(project => XDocument.Load(project).Descendants("PackageReference")
                .Where(r => (string?)r.Attribute("PrivateAssets") != "All").Select(r => (string)r.Attribute("Include")!))
            .Distinct().Order().ToArray();
        Assert.NotEmpty(needed);
        Assert.Equal(needed.Select(n => (n, versions[n])), dependencies.Keys.Order().Select(n => (n, dependencies[n])));
        // The host's own assemblies (and Plotly.NET, whose FSharp.Core the host cannot load) are no dependencies.
        Assert.DoesNotContain(dependencies.Keys, id => id.StartsWith("Microsoft.DotNet.Interactive", StringComparison.Ordinal) || id is "Plotly.NET" or "System.Reactive" or "FSharp.Core");
    }

    [Fact]
    public void The_feed_holds_the_build_the_sources_make() => LocalFeed.AssertPackageIsCurrent();

    [Theory]
    [MemberData(nameof(NotebookFiles.Data), MemberType = typeof(NotebookFiles))]
    public void The_notebook_loads_the_packed_version_from_the_local_feed(string notebook)
    {
        Assert.Equal([LocalFeed.Directory], NotebookFiles.Sources(notebook));
        Assert.Equal([LocalFeed.Version], NotebookFiles.ExtensionVersions(notebook));
    }

    [Fact]
    public void The_jupyter_kernelspecs_start_the_installed_kernel_listening_locally_only()
    {
        var psi = new ProcessStartInfo("/usr/bin/jupyter", "kernelspec list --json") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["PYDEVD_DISABLE_FILE_VALIDATION"] = "1";
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        var specs = JsonDocument.Parse(output).RootElement.GetProperty("kernelspecs");
        foreach (var name in new[] { ".net-csharp", ".net-fsharp", ".net-powershell" })
        {
            Assert.True(specs.TryGetProperty(name, out var spec), $"no {name} kernelspec: run `bash .ci/install-notebook`");
            var argv = spec.GetProperty("spec").GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToArray();
            Assert.Equal("/var/cache/sideeye/tools/dotnet-interactive", argv[0]);
            Assert.Contains("--http-local-only", argv);
        }
    }
}
