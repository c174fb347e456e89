using System.Net;

namespace SideEye.Binary.DebugInfo;

/// <summary>
/// Fetches debug files from debuginfod servers (GET /buildid/ID/debuginfo) into a local cache laid out as elfutils'
/// client lays it out (CACHE/ID/debuginfo), so gdb, Delve and SideEye share what any of them fetched. A file is
/// written under a temporary name and renamed once complete: a fetch cut short leaves nothing that looks cached.
/// </summary>
static class DebuginfodClient
{
    static readonly HttpClient Http = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The cached file for <paramref name="buildId"/>, if an earlier fetch completed.</summary>
    public static string? Cached(DebugInfoSources sources, string buildId)
    {
        var path = CachePath(sources, buildId);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Asks <paramref name="server"/> for the debug file of <paramref name="buildId"/>; returns its cached path, or why not.</summary>
    public static (string? Path, string? Why) Fetch(Uri server, DebugInfoSources sources, string buildId)
    {
        var target = CachePath(sources, buildId);
        using var deadline = new CancellationTokenSource(sources.ServerTimeout);
        string? temporary = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, $"buildid/{buildId}/debuginfo"));
            using var response = Http.Send(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (response.StatusCode == HttpStatusCode.NotFound) return (null, $"debuginfod {server}: does not have build ID {buildId}");
            if (!response.IsSuccessStatusCode) return (null, $"debuginfod {server}: answered {(int)response.StatusCode} {response.ReasonPhrase}");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            temporary = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.part";
            using (var body = response.Content.ReadAsStream(deadline.Token))
            using (var file = File.Create(temporary))
                body.CopyTo(file);
            File.Move(temporary, target, overwrite: true);
            temporary = null;
            return (target, null);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return (null, $"debuginfod {server}: no answer within {sources.ServerTimeout.TotalSeconds:F0} s (DEBUGINFOD_TIMEOUT)");
        }
        catch (HttpRequestException e)
        {
            return (null, $"debuginfod {server}: {e.Message}");
        }
        catch (IOException e)
        {
            return (null, $"debuginfod {server}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            return (null, $"debuginfod cache {sources.CacheDirectory}: {e.Message}");
        }
        finally
        {
            if (temporary is not null) try { File.Delete(temporary); } catch (IOException) { }
        }
    }

    static string CachePath(DebugInfoSources sources, string buildId) => Path.Combine(sources.CacheDirectory, buildId, "debuginfo");
}
