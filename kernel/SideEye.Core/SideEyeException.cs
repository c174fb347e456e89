namespace SideEye;

/// <summary>
/// Base of every error SideEye expects and reports to a user: <see cref="Exception.Message"/> is one line
/// naming what failed and why. Any other exception type reaching the CLI or a notebook is a bug.
/// </summary>
public class SideEyeException : Exception
{
    public SideEyeException(string message) : base(OneLine(message)) { }
    public SideEyeException(string message, Exception? inner) : base(OneLine(message), inner) { }

    /// <summary>Messages quoted from other libraries may span lines; a SideEye error is always one.</summary>
    static string OneLine(string message) =>
        string.Join("; ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
