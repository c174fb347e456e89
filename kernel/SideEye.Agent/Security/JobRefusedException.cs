namespace SideEye.Agent.Security;

/// <summary>The agent refuses a request: its policy or its inspection of a job says no; <see cref="Exception.Message"/> names the rule.</summary>
public sealed class JobRefusedException(string message) : SideEyeException(message);
