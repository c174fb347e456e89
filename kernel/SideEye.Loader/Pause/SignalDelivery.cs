namespace SideEye.Loader.Pause;

/// <summary>
/// What <see cref="ProcessPause.DeliverSignal"/> observed: the thread reached its signal-delivery-stop for
/// <see cref="Signal"/> at <see cref="DeliveredAtNs"/> (CLOCK_MONOTONIC) and is running its handler.
/// <see cref="OtherSignalsDelivered"/> lists signals that were pending before ours and were passed on first.
/// </summary>
public sealed record SignalDelivery(int Tid, int Signal, long DeliveredAtNs, IReadOnlyList<int> OtherSignalsDelivered);
