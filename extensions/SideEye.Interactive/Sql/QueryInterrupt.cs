using System.Data.Common;

namespace SideEye.Interactive.Sql;

/// <summary>
/// Interrupts a DuckDB command once its cell is cancelled, and again every 50 ms until the command ends: DuckDB forgets
/// an interrupt that comes before its query starts, so a cell cancelled while it waited for the connection, or in the
/// instant before its query began, would otherwise run on (for hours, with a cross product).
/// </summary>
sealed class QueryInterrupt : IDisposable
{
    readonly DbCommand _command;
    readonly object _gate = new();
    readonly CancellationTokenRegistration _registration;
    Timer? _timer;
    bool _ended;

    public QueryInterrupt(DbCommand command, CancellationToken cancellation)
    {
        _command = command;
        _registration = cancellation.Register(Start);
    }

    void Start()
    {
        lock (_gate)
        {
            if (!_ended) _timer ??= new Timer(_ => Interrupt(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
        }
    }

    void Interrupt()
    {
        lock (_gate)
        {
            if (_ended) return;
            try { _command.Cancel(); }
            catch (ObjectDisposedException) { }
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        lock (_gate)
        {
            _ended = true;
            _timer?.Dispose();
        }
    }
}
