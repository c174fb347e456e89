namespace SideEye.Binary.Dwarf.Frame;

/// <summary>One rule of a CFI row. For the CFA, <see cref="Register"/>+<see cref="Offset"/> is the usual form.</summary>
public sealed record FrameRule(FrameRuleKind Kind, int Register = -1, long Offset = 0, ReadOnlyMemory<byte> Expression = default)
{
    public override string ToString() => Kind switch
    {
        FrameRuleKind.CfaRegisterOffset => $"r{Register}{Offset:+#;-#;+0}",
        FrameRuleKind.Offset => $"c{Offset:+#;-#;+0}",
        FrameRuleKind.ValOffset => $"v{Offset:+#;-#;+0}",
        FrameRuleKind.Register => $"r{Register}",
        _ => Kind.ToString(),
    };
}
