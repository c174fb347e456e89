using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace SideEye.Interactive.Sql;

/// <summary>
/// One row of a kept result, as C# reads it: a read-only dictionary from column key to value, in column order.
/// A view over the row's values and one index shared by every row, rather than a Dictionary per row: a kept result
/// may have millions of rows.
/// </summary>
sealed class SqlRow(IReadOnlyDictionary<string, int> index, IReadOnlyList<string> keys, object?[] values) : IReadOnlyDictionary<string, object?>
{
    public object? this[string key] => index.TryGetValue(key, out var i) ? values[i] : throw new KeyNotFoundException($"no column '{key}' among {string.Join(", ", keys)}");

    public IEnumerable<string> Keys => keys;

    public IEnumerable<object?> Values => values;

    public int Count => values.Length;

    public bool ContainsKey(string key) => index.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        var found = index.TryGetValue(key, out var i);
        value = found ? values[i] : null;
        return found;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < values.Length; i++) yield return new(keys[i], values[i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
