namespace SideEye.Binary.Pclntab;

/// <summary>The minor release number of a Go version string, which decides how names print.</summary>
internal static class GoBuildVersion
{
    /// <summary>The minor release of a "go1.NN..." string, or null if it is not one.</summary>
    public static int? Minor(string? version)
    {
        if (version is null || !version.StartsWith("go1.", StringComparison.Ordinal)) return null;
        var digits = version.AsSpan(4);
        var n = 0;
        while (n < digits.Length && char.IsAsciiDigit(digits[n])) n++;
        return n > 0 && int.TryParse(digits[..n], out var minor) ? minor : null;
    }
}
