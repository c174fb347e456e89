// The pause tests measure and compare a target's progress; running them one at a time on shared cores keeps
// that meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
