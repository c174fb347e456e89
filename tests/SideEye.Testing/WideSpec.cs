namespace SideEye.Testing;

/// <summary>The capture spec testdata/wide is made for: its 50 functions main.handle00 … main.handle49, 8 expressions each.</summary>
public static class WideSpec
{
    public static readonly string[] Functions = Enumerable.Range(0, 50).Select(i => $"main.handle{i:00}").ToArray();

    public static readonly string[] Expressions = ["name", "tags", "len(tags)", "counts", "v", "req", "req.Path", "err"];
}
