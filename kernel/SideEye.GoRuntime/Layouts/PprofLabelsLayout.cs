namespace SideEye.GoRuntime.Layouts;

/// <summary>What g.labels points to, by Go release (see ProbePlan.LabelsLayout).</summary>
public enum PprofLabelsLayout
{
    /// <summary>The binary has no runtime/pprof labels: nothing to read.</summary>
    None = 0,
    /// <summary>Go 1.19–1.23: *map[string]string (classic buckets).</summary>
    StringMap = 1,
    /// <summary>Go 1.24+: *struct{ list []struct{ key, value string } }.</summary>
    LabelSlice = 2,
}
