using SideEye.Snapshots.Collection;

namespace SideEye.Snapshots.Tests.Collection;

public class ClockHistoryTests
{
    static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void The_first_measurement_is_the_estimate()
    {
        var history = new ClockHistory();
        Assert.Equal((Ms(5), Ms(2)), history.Add((Ms(5), Ms(2))));
    }

    [Fact]
    public void Two_overlapping_measurements_narrow_to_what_both_allow()
    {
        var history = new ClockHistory();
        history.Add((Ms(5), Ms(2)));            // 3 .. 7
        var (offset, uncertainty) = history.Add((Ms(7), Ms(1.5))); // 5.5 .. 8.5, so 5.5 .. 7 (give or take the drift since)
        Assert.InRange(offset.TotalMilliseconds, 6.24, 6.26);
        Assert.InRange(uncertainty.TotalMilliseconds, 0.74, 0.76);
    }

    [Fact]
    public void A_looser_measurement_keeps_the_tighter_estimate()
    {
        var history = new ClockHistory();
        history.Add((Ms(5), Ms(0.2)));
        var (offset, uncertainty) = history.Add((Ms(6), Ms(3)));
        Assert.InRange(offset.TotalMilliseconds, 4.99, 5.01);
        Assert.InRange(uncertainty.TotalMilliseconds, 0.2, 0.21);
    }

    [Fact]
    public void Measurements_that_cannot_both_hold_mean_a_stepped_clock_and_the_new_one_counts()
    {
        var history = new ClockHistory();
        history.Add((Ms(5), Ms(0.5)));
        Assert.Equal((Ms(900), Ms(1)), history.Add((Ms(900), Ms(1))));
    }

    [Fact]
    public void An_old_estimate_widens_with_the_drift_two_clocks_may_have()
    {
        var history = new ClockHistory();
        history.Add((Ms(5), Ms(0.1)));
        Thread.Sleep(200);
        // 200 ms at 1000 ppm is 0.2 ms more: the old interval is now at least 4.7 .. 5.3, and a new loose one leaves it so.
        var (_, uncertainty) = history.Add((Ms(5), Ms(50)));
        Assert.True(uncertainty.TotalMilliseconds >= 0.1 + 200 * ClockHistory.DriftPpm / 1e6, $"{uncertainty.TotalMilliseconds} ms");
        Assert.True(uncertainty.TotalMilliseconds < 50, $"{uncertainty.TotalMilliseconds} ms");
    }

    [Fact]
    public void Reset_forgets()
    {
        var history = new ClockHistory();
        history.Add((Ms(5), Ms(0.1)));
        history.Reset();
        Assert.Equal((Ms(6), Ms(3)), history.Add((Ms(6), Ms(3))));
    }
}
