using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace SideEye.Agent.Audit;

/// <summary>
/// The agent's audit trail: one JSON line per request (and per refused connection) to the agent's log, which
/// systemd sends to the journal, and to <c>--audit FILE</c> when given (appended, created 0600, flushed a line at a time).
/// </summary>
public sealed class AuditLog : IDisposable
{
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    readonly ILogger _logger;
    readonly StreamWriter? _file;
    readonly object _gate = new();

    public AuditLog(ILogger<AuditLog> logger, string? path)
    {
        _logger = logger;
        if (path is null) return;
        try
        {
            var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            _file = new StreamWriter(stream) { AutoFlush = true };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Hosting.AgentStartupException($"--audit {path}: cannot append to it: {e.Message}", e);
        }
    }

    public void Write(AuditEntry entry)
    {
        var line = JsonSerializer.Serialize(entry, Json);
        lock (_gate) _file?.WriteLine(line);
        _logger.LogInformation("{Audit}", line);
    }

    public void Dispose()
    {
        lock (_gate) _file?.Dispose();
    }
}
