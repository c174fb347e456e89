using System.Reflection;
using System.Runtime.CompilerServices;

namespace SideEye.Loader.Run;

/// <summary>
/// Compiles the code that runs while a target is stopped before the first pause, so the first snapshot of a
/// process (a CLI run is nothing else) does not spend its pause in the JIT: every method of the types on that
/// path, their nested (compiler-generated) types included. Once per process.
/// </summary>
static class PauseCodeWarmup
{
    static int _done;

    public static void Run(params Type[] more)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0) return;
        var types = new[] { typeof(Pause.ProcessPause), typeof(SnapshotRunner), typeof(Bpf.BpfMap), typeof(Bpf.RingBuf.RingBufReader) }
            .Concat(typeof(Pause.ProcessPause).Assembly.GetTypes().Where(t => t.Namespace is "SideEye.Loader.Ptrace" or "SideEye.Loader.Pause"))
            .Concat(more);
        foreach (var type in types.SelectMany(WithNested).Distinct())
        {
            if (type.ContainsGenericParameters) continue;
            const BindingFlags all = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method.IsAbstract || method.ContainsGenericParameters || (method.MethodImplementationFlags & MethodImplAttributes.InternalCall) != 0) continue;
                try { RuntimeHelpers.PrepareMethod(method.MethodHandle); }
                catch (Exception e) when (e is ArgumentException or NotSupportedException or TypeLoadException or BadImageFormatException) { }
            }
        }
    }

    static IEnumerable<Type> WithNested(Type type) => new[] { type }.Concat(type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).SelectMany(WithNested));
}
