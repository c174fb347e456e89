using System.Collections.Concurrent;
using System.Globalization;

namespace SideEye.Testing;

/// <summary>
/// Load on testdata/httpserver: several loops, each sending one request after the other to /sum, /sleep and
/// /count in turn and checking every answer's status and body (the /count answers of one loop must count
/// 1, 2, 3, … since only that loop uses its id). Anything else is recorded in <see cref="Failures"/>.
/// </summary>
public sealed class HttpLoad : IDisposable
{
    readonly HttpClient _client;
    readonly Task[] _loops;
    volatile bool _stopping;
    long _completed;

    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Requests answered as expected so far.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    public HttpLoad(Uri server, int loops, TimeSpan requestTimeout)
    {
        _client = new HttpClient { BaseAddress = server, Timeout = requestTimeout };
        _loops = Enumerable.Range(0, loops).Select(i => Task.Run(() => LoopAsync(i))).ToArray();
    }

    async Task LoopAsync(int loop)
    {
        long counted = 0;
        for (var j = 0; !_stopping; j++)
        {
            string path, expected;
            switch (j % 3)
            {
                case 0:
                    var n = 1000 + j % 1000;
                    (path, expected) = ($"sum?n={n}", $"sum {n} {(long)n * (n + 1) / 2}\n");
                    break;
                case 1:
                    var ms = j % 4;
                    (path, expected) = ($"sleep?ms={ms}", $"slept {ms}\n");
                    break;
                default:
                    counted++;
                    (path, expected) = ($"count?id=loop{loop}", $"count loop{loop} {counted.ToString(CultureInfo.InvariantCulture)}\n");
                    break;
            }
            try
            {
                using var response = await _client.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode != 200 || body != expected)
                    Failures.Enqueue($"GET /{path}: {(int)response.StatusCode} {body.TrimEnd()} (expected 200 {expected.TrimEnd()})");
                else
                    Interlocked.Increment(ref _completed);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                Failures.Enqueue($"GET /{path}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> requests have been answered; false if not within the limit.</summary>
    public bool WaitForCompleted(long count, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (Completed < count)
        {
            if (DateTime.UtcNow > deadline || Failures.Count > 0) return false;
            Thread.Sleep(10);
        }
        return true;
    }

    /// <summary>Lets each loop finish the request it is sending and stops.</summary>
    public void Stop()
    {
        _stopping = true;
        Task.WaitAll(_loops);
    }

    public void Dispose()
    {
        _stopping = true;
        try { Task.WaitAll(_loops, TimeSpan.FromSeconds(30)); }
        finally { _client.Dispose(); }
    }
}
