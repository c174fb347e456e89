namespace SideEye.Binary.Dwarf.Frame;

/// <summary>How a register (or the CFA) is recovered in the caller's frame (DWARF CFI register rules).</summary>
public enum FrameRuleKind
{
    /// <summary>DW_CFA_undefined: not recoverable.</summary>
    Undefined = 0,
    /// <summary>DW_CFA_same_value: unchanged from the callee.</summary>
    SameValue = 1,
    /// <summary>Saved in memory at CFA + Offset.</summary>
    Offset = 2,
    /// <summary>The value is CFA + Offset.</summary>
    ValOffset = 3,
    /// <summary>Held in another register.</summary>
    Register = 4,
    /// <summary>Saved in memory at the address the expression computes.</summary>
    Expression = 5,
    /// <summary>The value is what the expression computes.</summary>
    ValExpression = 6,
    /// <summary>CFA rule: Register + Offset.</summary>
    CfaRegisterOffset = 7,
    /// <summary>CFA rule: DW_CFA_def_cfa_expression.</summary>
    CfaExpression = 8,
}
