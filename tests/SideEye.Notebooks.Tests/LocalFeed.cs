using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using SideEye.Testing;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// The local feed the notebooks load SideEye.Interactive from (extensions/README.md): where it is, which package
/// version the project makes, and the build id (module version id) of the assembly in a package, a build folder or a
/// running kernel. Builds are deterministic, so equal ids mean equal code.
/// </summary>
static class LocalFeed
{
    public const string Directory = "/var/cache/sideeye/nuget";
    public const string PackageId = "SideEye.Interactive";
    const string RefreshHint = "run `bash .ci/install-notebook` (it packs the extension into the feed)";

    static string ProjectFile => Path.Combine(RepoPaths.Root, "extensions", "SideEye.Interactive", "SideEye.Interactive.csproj");

    /// <summary>The version the project packs (its &lt;Version&gt;).</summary>
    public static string Version =>
        XDocument.Load(ProjectFile).Descendants("Version").Single().Value.Trim();

    public static string PackagePath => Path.Combine(Directory, $"{PackageId}.{Version}.nupkg");

    /// <summary>The assembly as `dotnet pack -c Release` builds it, which is what the feed must hold.</summary>
    public static string BuiltAssembly => Path.Combine(RepoPaths.Root, "extensions", "SideEye.Interactive", "bin", "Release", "net10.0", "SideEye.Interactive.dll");

    /// <summary>The package in the feed, opened; fails the test with what to run if it is missing.</summary>
    public static ZipArchive OpenPackage()
    {
        Assert.True(File.Exists(PackagePath), $"{PackagePath} is missing: {RefreshHint}");
        return ZipFile.OpenRead(PackagePath);
    }

    public static Guid BuildIdInPackage()
    {
        using var package = OpenPackage();
        var entry = package.GetEntry("lib/net10.0/SideEye.Interactive.dll");
        Assert.True(entry is not null, $"{PackagePath} has no lib/net10.0/SideEye.Interactive.dll");
        using var copy = new MemoryStream();
        using (var stream = entry.Open()) stream.CopyTo(copy);
        copy.Position = 0;
        return BuildId(copy);
    }

    public static Guid BuildId(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        return BuildId(stream);
    }

    static Guid BuildId(Stream stream)
    {
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        return metadata.GetGuid(metadata.GetModuleDefinition().Mvid);
    }

    /// <summary>Fails unless the feed's package holds the assembly the sources build now.</summary>
    public static Guid AssertPackageIsCurrent()
    {
        Assert.True(File.Exists(BuiltAssembly), $"{BuiltAssembly} is missing: {RefreshHint}");
        var packed = BuildIdInPackage();
        var built = BuildId(BuiltAssembly);
        Assert.True(packed == built, $"{PackagePath} holds build {packed} of SideEye.Interactive.dll, the sources build {built}: {RefreshHint}");
        return packed;
    }
}
