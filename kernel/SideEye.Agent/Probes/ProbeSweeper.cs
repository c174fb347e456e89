using Microsoft.Extensions.Hosting;

namespace SideEye.Agent.Probes;

/// <summary>Unloads probes whose process exited or that sat idle (<see cref="LoadedProbes.Sweep"/>), every few seconds, and all of them at shutdown.</summary>
public sealed class ProbeSweeper(LoadedProbes probes, TimeSpan idle) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(idle.Ticks / 4, TimeSpan.FromMilliseconds(250).Ticks, TimeSpan.FromSeconds(5).Ticks));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) probes.Sweep();
        }
        catch (OperationCanceledException) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        probes.Dispose();
    }
}
