namespace SideEye.Bpf;

/// <summary>What BPF_PROG_TEST_RUN reports: the program's return value, the average run time, and the output data or context.</summary>
public sealed record TestRunResult(uint ReturnValue, TimeSpan Duration, byte[] DataOut);
