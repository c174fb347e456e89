using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Connection;
using Microsoft.DotNet.Interactive.Directives;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Sql;

/// <summary>
/// #!connect sideeye: adds a SQL kernel over a given snapshot store, for a second database beside the session's
/// (two postmortems side by side). The file is checked now, so a wrong path fails the #!connect cell, not a later one.
/// </summary>
sealed class ConnectSideEyeDirective : ConnectKernelDirective<ConnectSideEyeCommand>
{
    readonly NotebookSession _session;

    /// <param name="session">Where a relative --db points, as for #!sideeye's --db and --file.</param>
    public ConnectSideEyeDirective(NotebookSession session) : base("sideeye", "Adds a SQL kernel over a SideEye DuckDB file of saved snapshots (e.g. a second postmortem)")
    {
        _session = session;
        Parameters.Add(new KernelDirectiveParameter("--db", "The DuckDB file") { Required = true });
        ConnectedKernelDescription = "SQL over a SideEye snapshot store (read-only)";
    }

    public override Task<IEnumerable<Kernel>> ConnectKernelsAsync(ConnectSideEyeCommand connectCommand, KernelInvocationContext context)
    {
        ArgumentNullException.ThrowIfNull(connectCommand);
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var database = _session.FullPath(connectCommand.Db ?? throw new SideEyeException("needs --db FILE"));
            using (SnapshotStore.OpenReadOnly(database)) { }
            return Task.FromResult<IEnumerable<Kernel>>([new SqlKernel(connectCommand.ConnectedKernelName, () => database, whenMissing: null).UseValueSharing()]);
        }
        catch (SideEyeException e)
        {
            context.Fail(connectCommand, null, $"#!connect sideeye: {e.Message}");
            return Task.FromResult<IEnumerable<Kernel>>([]);
        }
    }
}
