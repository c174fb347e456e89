using System.Security.Cryptography;
using Grpc.Core;
using SideEye.Remote.Connection;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Remote.Executables;

/// <summary>
/// The executables agents served this client, kept by build ID, so the same program on any machine is fetched
/// once: a second snapshot of it transfers no executable bytes. A file is written under a temporary name and
/// renamed into place only once its size and SHA-256 match what the agent announced (the size first, the hash last). Executables hold a service's
/// code and constants: the folder is 0700 and each file 0600.
/// </summary>
public sealed class ExecutableCache
{
    const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Folder { get; }

    public ExecutableCache(string? folder = null)
    {
        Folder = folder ?? DefaultFolder();
        Directory.CreateDirectory(Folder, FolderMode);
        // Tighten a folder made before (or by a looser umask); one we do not own is left for its owner to fix.
        try { File.SetUnixFileMode(Folder, FolderMode); }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>$SIDEEYE_CACHE, else $XDG_CACHE_HOME/sideeye/executables, else ~/.cache/sideeye/executables.</summary>
    public static string DefaultFolder()
    {
        if (Environment.GetEnvironmentVariable("SIDEEYE_CACHE") is { Length: > 0 } own) return Path.Combine(own, "executables");
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "sideeye", "executables");
    }

    /// <summary>The cached file for <paramref name="buildId"/>, or null when it has not been fetched.</summary>
    public string? Find(string buildId) => File.Exists(PathOf(buildId)) ? PathOf(buildId) : null;

    /// <summary>
    /// The cached file for <paramref name="buildId"/>, fetched from the agent first if need be; how many bytes that
    /// took. Callers asking for the same build ID at once (a fleet's snapshotters, one per agent) wait for one
    /// fetch; if it fails, the next fetches from its own agent.
    /// </summary>
    public async Task<(string Path, long Fetched)> GetAsync(AgentConnection agent, string buildId, CancellationToken cancellation = default)
    {
        if (string.IsNullOrEmpty(buildId)) throw new SideEyeException($"agent {agent.Address}: the executable has no build ID, so it cannot be cached or fetched");
        if (Find(buildId) is { } cached) return (cached, 0);
        var fetching = _fetching.GetOrAdd(buildId, _ => new SemaphoreSlim(1, 1));
        await fetching.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            return Find(buildId) is { } fetched ? (fetched, 0) : await FetchAsync(agent, buildId, cancellation).ConfigureAwait(false);
        }
        finally
        {
            fetching.Release();
        }
    }

    readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _fetching = new(StringComparer.Ordinal);

    async Task<(string Path, long Fetched)> FetchAsync(AgentConnection agent, string buildId, CancellationToken cancellation)
    {
        var path = PathOf(buildId);
        var partial = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.part";
        long size = -1, written = 0;
        byte[]? announced = null;
        try
        {
            await using (var file = new FileStream(partial, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode }))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                try
                {
                    using var call = agent.Client.GetExecutable(new M.ExecutableRequest { BuildId = buildId }, agent.Call(cancellation));
                    await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellation).ConfigureAwait(false))
                    {
                        if (size < 0) size = (long)chunk.TotalSize;
                        if (!chunk.Sha256.IsEmpty) announced = chunk.Sha256.ToByteArray();
                        hash.AppendData(chunk.Data.Span);
                        await file.WriteAsync(chunk.Data.Memory, cancellation).ConfigureAwait(false);
                        written += chunk.Data.Length;
                        if (written > size) throw new SideEyeException($"agent {agent.Address} sent more than the {size} bytes it announced for executable {buildId}");
                    }
                }
                catch (RpcException e) { throw agent.Describe(e); }
                if (size < 0 || written != size) throw new SideEyeException($"agent {agent.Address} sent {written} of the {Math.Max(size, 0)} bytes of executable {buildId}");
                if (announced is null || !hash.GetHashAndReset().AsSpan().SequenceEqual(announced))
                    throw new SideEyeException($"agent {agent.Address}: executable {buildId} arrived with {(announced is null ? "no SHA-256" : "another SHA-256 than announced")}");
            }
            File.Move(partial, path, overwrite: true);
            return (path, written);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    /// <summary>Removes a cached executable that turned out not to be what its name says.</summary>
    public void Evict(string buildId)
    {
        if (File.Exists(PathOf(buildId))) File.Delete(PathOf(buildId));
    }

    /// <summary>Build IDs may hold '/' (Go's): files are named by their SHA-256.</summary>
    string PathOf(string buildId) => Path.Combine(Folder, Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(buildId))));
}
