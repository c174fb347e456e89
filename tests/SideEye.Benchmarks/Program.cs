using BenchmarkDotNet.Running;
using SideEye.Benchmarks;

// Default: a quick Stopwatch report (index time cold and warm, time per addr2line query).
// "bdn": the same work under BenchmarkDotNet, for careful numbers.
// "snapshot [N,N,…] [runs]": pause and end-to-end time of snapshots at N goroutines (root).
// "capture [N,…] [runs]": the pause with and without five captured expressions in N frames (root).
// "notebook [N,…] [runs]": each #!sideeye cell of a notebook's loop, timed in a C# kernel, at N goroutines (root).
// "verifier [runs]": the verifier's count and the capture probe's load time as the spec grows (root).
// "remote [N,…] [runs]": warm snapshots through an agent against local ones of the same process (root).
// "fleet [AGENTS,…] [N] [runs]": fleet snapshots of growing fleets of agents, each with a process of N idle goroutines (root).
// "stripped [BINARY] [runs]": opening a binary without DWARF or symbols, and stripped against unstripped pauses (root).
// "pagedout [N] [runs]": the pause with and without faulting pages in, resident and paged out, at N goroutines with captures (root).
// "reports [S] [N] [runs]": a team's reports over S stored snapshots of N goroutines with captures: views, a derived table, a link (root).
// "builtins [N] [runs]": a server's pause with the built-in HTTP captures off, on, and captured everywhere, at N keep-alive connections (root).
// "fuzz [N] [seed] [workers]": N mutated Go binaries (default 10,000) through `sideeye inspect`, by outcome, with max time and memory.
if (args.Length > 0 && args[0] == "bdn")
{
    BenchmarkRunner.Run<SymbolizeBenchmarks>(args: args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "snapshot") return SnapshotReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "capture") return CaptureReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "notebook") return NotebookReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "verifier") return VerifierReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "remote") return RemoteReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "fleet") return FleetReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "stripped") return StrippedReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "pagedout") return PagedOutReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "reports") return ReportsReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "builtins") return BuiltInsReport.Run(args[1..]);
if (args.Length > 0 && args[0] == "fuzz") return FuzzReport.Run(args[1..]);
return QuickReport.Run(args);
