using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace SideEye.Interactive.Charts;

/// <summary>
/// plotly.js for charts that must draw without internet access (production networks are often closed): the
/// minified script Plotly.NET ships as a resource, read straight from its assembly file's metadata. The file travels
/// inside this assembly as a resource of its own (see the project file), so the script is found wherever this
/// assembly is — a build folder, a NuGet package in the global cache, a shadow copy — with no search for a file
/// beside it. Nothing of Plotly.NET is loaded: inside the dotnet-interactive tool FSharp.Core 10.0 is already loaded
/// and Plotly.NET 6.0 wants 10.1, so loading it into the default context fails; a resource needs no code.
/// </summary>
public static class PlotlyScript
{
    /// <summary>The manifest resource that holds Plotly.NET.dll's bytes (its LogicalName in the project file).</summary>
    internal const string ResourceName = "SideEye.Interactive.Charts.Plotly.NET.dll";
    static readonly Lazy<(string Version, string Source)> Script = new(Load);

    /// <summary>The plotly.js version the script is.</summary>
    public static string Version => Script.Value.Version;

    /// <summary>
    /// The minified script, wrapped to run as a page's inline script: plotly.js registers itself with an AMD loader
    /// when the page has one (Jupyter's HTML export loads require.js where Debian's libjs-requirejs is installed) and
    /// then never sets <c>window.Plotly</c>, which the charts call; inside the wrapper <c>define</c>, <c>module</c>
    /// and <c>exports</c> are undefined, so it always does.
    /// </summary>
    public static string Source => Script.Value.Source;

    static (string, string) Load()
    {
        var self = typeof(PlotlyScript).Assembly;
        using var stream = self.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidDataException($"{self.GetName().Name}: no resource {ResourceName} (the Plotly.NET.dll that carries plotly.js); the build did not embed it");
        var path = $"{self.GetName().Name}!{ResourceName}";
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            var name = metadata.GetString(resource.Name);
            if (!name.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) || !name.EndsWith(".min.js", StringComparison.Ordinal)) continue;
            if (!resource.Implementation.IsNil) continue; // embedded resources only
            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            var section = pe.GetSectionData(directory.RelativeVirtualAddress);
            var reader = section.GetReader((int)resource.Offset, directory.Size - (int)resource.Offset);
            var length = reader.ReadInt32();
            var text = reader.ReadUTF8(length);
            var version = name["Plotly.NET.plotly-".Length..^".min.js".Length];
            return (version, "(function (define, module, exports) {\n" + text + "\n}).call(self);");
        }
        throw new InvalidDataException($"{path}: no plotly.js resource in it");
    }
}
