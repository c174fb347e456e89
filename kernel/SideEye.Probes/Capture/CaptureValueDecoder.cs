using SideEye.GoRuntime;
using SideEye.Probes.Values;

namespace SideEye.Probes.Capture;

/// <summary>
/// The captured values of one run of one process: <see cref="CaptureDecoder"/> over the copied memory
/// (<see cref="SparseMemory"/>), expressions evaluated by <see cref="ExpressionEvaluator"/> under the plan's limits.
/// Built once per loaded process (the runtime type index is the costly part).
/// </summary>
public sealed class CaptureValueDecoder(CapturePlan plan, GoBinary binary, RuntimeTypeIndex runtimeTypes, ulong loadBias)
{
    readonly CaptureDecoder _decoder = new(plan, binary);
    readonly ExpressionEvaluator _evaluator = new(new ValueFormatter(runtimeTypes, plan.Limits, loadBias, pc => binary.Pclntab.FindFunction(pc)?.Name));

    public (IReadOnlyList<CapturedFrameValue> Values, CaptureStats? Stats) Decode(SnapshotResult result) =>
        _decoder.Decode(result, loadBias, blocks => new SparseMemory(blocks), (capture, root, address, memory) =>
        {
            var value = root is null ? _evaluator.EvaluateGlobal(capture, memory) : _evaluator.Evaluate(capture, root, address, memory);
            return (value.Json, value.Unavailable);
        });
}
