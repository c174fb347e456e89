namespace SideEye.Agent.Hosting;

/// <summary>The agent will not start: a bad option, a missing certificate, a privilege or kernel feature it lacks. One line.</summary>
public sealed class AgentStartupException(string message, Exception? inner = null) : SideEyeException(message, inner);
