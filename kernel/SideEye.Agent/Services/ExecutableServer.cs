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
/// process runs, even if replaced on disk since), in 1 MiB chunks, the first carrying the size and the last the
/// SHA-256 of them all; a chunk at a time in memory, however large the executable.
/// </summary>
public sealed class ExecutableServer(GoProcessScanner scanner, ExecutablePolicy policy)
{
    const int ChunkBytes = 1 << 20;

    public async Task<(int Pid, string Path, long Bytes)> ServeAsync(string buildId, IServerStreamWriter<M.ExecutableChunk> responses, CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(buildId)) throw new JobRefusedException("an executable is asked for by its build ID, and none was given");
        var process = scanner.List().FirstOrDefault(p => p.BuildId == buildId && policy.Refusal(p.Exe) is null)
            ?? throw new JobRefusedException($"no Go process the agent may serve runs an executable with build ID {buildId}");
        FileStream file;
        try { file = new FileStream($"/proc/{process.Pid}/exe", FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobRefusedException($"process {process.Pid} exited or its executable cannot be read: {e.Message}");
        }
        await using (file)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[ChunkBytes];
            long sent = 0;
            var chunk = new M.ExecutableChunk { TotalSize = (ulong)file.Length };
            while (true)
            {
                var n = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellation);
                hash.AppendData(buffer, 0, n);
                sent += n;
                chunk.Data = ByteString.CopyFrom(buffer, 0, n);
                if (n < buffer.Length)
                {
                    chunk.Sha256 = ByteString.CopyFrom(hash.GetHashAndReset());
                    await responses.WriteAsync(chunk, cancellation);
                    return (process.Pid, process.Exe, sent);
                }
                await responses.WriteAsync(chunk, cancellation);
                chunk = new M.ExecutableChunk();
            }
        }
    }
}
