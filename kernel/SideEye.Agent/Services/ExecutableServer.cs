using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SideEye.Agent.Security;
using SideEye.GoRuntime.Processes;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Agent.Services;

/// <summary>
/// Serves the executable of a running Go process by build ID, so a client can plan probes for it: only a file some
/// process the policy allows is running now (never an arbitrary path), read through /proc/PID/exe (the file the
/// process runs, even if replaced on disk since), in 1 MiB chunks, the first carrying the size and SHA-256.
/// </summary>
public sealed class ExecutableServer(GoProcessScanner scanner, ExecutablePolicy policy)
{
    const int ChunkBytes = 1 << 20;

    public async Task<(int Pid, string Path, long Bytes)> ServeAsync(string buildId, IServerStreamWriter<M.ExecutableChunk> responses, CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(buildId)) throw new JobRefusedException("an executable is asked for by its build ID, and none was given");
        var process = scanner.List().FirstOrDefault(p => p.BuildId == buildId && policy.Refusal(p.Exe) is null)
            ?? throw new JobRefusedException($"no Go process the agent may serve runs an executable with build ID {buildId}");
        byte[] bytes;
        try { bytes = await File.ReadAllBytesAsync($"/proc/{process.Pid}/exe", cancellation); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobRefusedException($"process {process.Pid} exited or its executable cannot be read: {e.Message}");
        }
        var first = new M.ExecutableChunk { TotalSize = (ulong)bytes.Length, Sha256 = ByteString.CopyFrom(SHA256.HashData(bytes)) };
        for (var offset = 0; offset < bytes.Length || offset == 0; offset += ChunkBytes)
        {
            var chunk = offset == 0 ? first : new M.ExecutableChunk();
            chunk.Data = UnsafeByteOperations.UnsafeWrap(bytes.AsMemory(offset, Math.Min(ChunkBytes, bytes.Length - offset)));
            await responses.WriteAsync(chunk, cancellation);
            if (bytes.Length == 0) break;
        }
        return (process.Pid, process.Exe, bytes.Length);
    }
}
