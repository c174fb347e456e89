using SideEye.Testing.Agents;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// The other machine notebooks/remote.ipynb works on: a fleet made with <c>sideeye certs</c>, a TLS agent in a PID
/// namespace of its own on a loopback address of its own, and the demo running in that namespace. What a notebook
/// needs to reach it is in <see cref="Environment"/>, as a user would set it.
/// </summary>
sealed class AgentMachine : IDisposable
{
    public CliFleet Fleet { get; } = new();
    public AgentProcess Agent { get; }
    public DemoService Demo { get; }

    public AgentMachine(string folder)
    {
        Agent = AgentProcess.StartTls(Fleet);
        Demo = new DemoService(folder, Agent.Namespace);
    }

    /// <summary>SIDEEYE_AGENT and the client's certificate, key and CA, from <paramref name="certificates"/> (default the fleet's folder).</summary>
    public IReadOnlyDictionary<string, string> Environment(string? certificates = null) => new Dictionary<string, string>
    {
        ["SIDEEYE_AGENT"] = Agent.Url,
        ["SIDEEYE_CERT"] = Path.Combine(certificates ?? Fleet.Folder, "alice.pem"),
        ["SIDEEYE_KEY"] = Path.Combine(certificates ?? Fleet.Folder, "alice.key"),
        ["SIDEEYE_CA"] = Path.Combine(certificates ?? Fleet.Folder, "ca.pem"),
    };

    public void Dispose()
    {
        Demo.Dispose();
        Agent.Dispose();
        Fleet.Dispose();
    }
}
