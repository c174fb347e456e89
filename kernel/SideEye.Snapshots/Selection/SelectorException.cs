namespace SideEye.Snapshots.Selection;

/// <summary>A selector that cannot be read: its text and what is wrong with it, in one line.</summary>
public sealed class SelectorException : SideEyeException
{
    public SelectorException(string selector, string problem, Exception? inner = null)
        : base($"selector '{selector}': {problem} (write KEY=VALUE, KEY!=VALUE, KEY~REGEX or KEY!~REGEX)", inner)
    {
        Selector = selector;
    }

    /// <summary>The selector as given.</summary>
    public string Selector { get; }
}
