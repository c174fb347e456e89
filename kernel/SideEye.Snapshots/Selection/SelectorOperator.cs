namespace SideEye.Snapshots.Selection;

/// <summary>How a <see cref="Selector"/> compares a label with its value.</summary>
public enum SelectorOperator
{
    /// <summary><c>key=value</c>: the label is there and equals the value.</summary>
    Equal = 0,
    /// <summary><c>key!=value</c>: the label is missing or differs.</summary>
    NotEqual = 1,
    /// <summary><c>key~regex</c>: the label is there and the regex matches somewhere in it (anchor with ^ and $).</summary>
    Match = 2,
    /// <summary><c>key!~regex</c>: the label is missing or the regex matches nowhere in it.</summary>
    NotMatch = 3,
}
