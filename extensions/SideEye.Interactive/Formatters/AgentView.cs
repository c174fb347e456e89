using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Interactive.Formatters;

/// <summary>What #!sideeye connect returns: the agent now in use and what it says of itself.</summary>
public sealed record AgentView(string Address, string? Name, M.AgentInfo Info);
