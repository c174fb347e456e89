using SideEye.Interactive.Formatters;
using SideEye.Probes.Specs;

namespace SideEye.Interactive.Tests;

/// <summary>
/// #!sideeye capture and spec without a target process: the spec is edited, saved at once next to the notebook,
/// shown, loaded and saved elsewhere; words of Go expressions survive the directive line; mistakes fail in one line
/// and leave the spec as it was.
/// </summary>
public sealed class SpecTests
{
    [Fact]
    public async Task CaptureSavesTheSpecNextToTheNotebookAndAnotherKernelLoadsIt()
    {
        using var kernel = new ExtensionKernel();
        var (view, html) = ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync(
            "#!sideeye capture main.(*server).handle req.ID m[\"a b\"] len(req.Tags),req.User --exe api"));
        var file = Path.Combine(kernel.Directory, "sideeye-spec.json");
        Assert.Equal(file, view.Path);
        var expected = CaptureSpec.Empty.WithCapture("api", "main.(*server).handle", "req.ID", "m[\"a b\"]", "len(req.Tags)", "req.User");
        Assert.Equal(expected, view.Spec);
        Assert.Equal(expected, CaptureSpecFile.Load(file));
        Assert.Null(view.CheckedAgainst); // no process runs "api"
        Assert.Contains("<code>m[&quot;a b&quot;]</code>", html);

        // The one program is the default; a second function joins the same file.
        ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync("#!sideeye capture main.worker jobs"));
        expected = expected.WithCapture("api", "main.worker", "jobs");
        Assert.Equal(expected, CaptureSpecFile.Load(file));

        // A notebook re-run in another kernel: spec load, then show.
        using var other = new ExtensionKernel();
        var (loaded, _) = ExtensionKernel.Returned<SpecView>(await other.SubmitAsync($"#!sideeye spec load {file}"));
        Assert.Equal(expected, loaded.Spec);
        var (shown, _) = ExtensionKernel.Returned<SpecView>(await other.SubmitAsync("#!sideeye spec show"));
        Assert.Equal((expected, file), (shown.Spec, shown.Path));
    }

    [Fact]
    public async Task SaveWritesElsewhereAndEditsFollowTheNewFile()
    {
        using var kernel = new ExtensionKernel();
        ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync("#!sideeye capture main.f x --exe api"));
        var (saved, _) = ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync("#!sideeye spec save team/spec.json"));
        // Relative paths are the notebook's: its directory.
        var team = Path.Combine(kernel.Directory, "team", "spec.json");
        Assert.Equal(team, saved.Path);
        ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync("#!sideeye capture main.f y"));
        Assert.Equal(CaptureSpec.Empty.WithCapture("api", "main.f", "x", "y"), CaptureSpecFile.Load(team));
        Assert.Equal(CaptureSpec.Empty.WithCapture("api", "main.f", "x"), CaptureSpecFile.Load(Path.Combine(kernel.Directory, "sideeye-spec.json")));

        // --remove one expression, then the function.
        var (removed, _) = ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync("#!sideeye capture --remove main.f x"));
        Assert.Equal(CaptureSpec.Empty.WithCapture("api", "main.f", "y"), removed.Spec);
        (removed, _) = ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync("#!sideeye capture main.f --remove"));
        Assert.Empty(removed.Spec.Programs);
        Assert.Empty(CaptureSpecFile.Load(team).Programs);
    }

    [Fact]
    public async Task TwoCaptureLinesInOneCellEachGetTheirOwnWords()
    {
        using var kernel = new ExtensionKernel();
        var result = await kernel.SubmitAsync("#!sideeye capture main.a x --exe api\n#!sideeye capture main.b y z");
        Assert.Empty(result.Events.OfType<Microsoft.DotNet.Interactive.Events.CommandFailed>());
        Assert.Equal(2, result.Events.OfType<Microsoft.DotNet.Interactive.Events.ReturnValueProduced>().Count());
        var spec = CaptureSpecFile.Load(Path.Combine(kernel.Directory, "sideeye-spec.json"));
        Assert.Equal(CaptureSpec.Empty.WithCapture("api", "main.a", "x").WithCapture("api", "main.b", "y", "z"), spec);
    }

    [Fact]
    public async Task MistakesFailInOneLineAndChangeNothing()
    {
        using var kernel = new ExtensionKernel();
        Assert.Equal("#!sideeye: capture needs --exe NAME the first time: the file name of the program's executable",
            ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye capture main.f x")));
        Assert.Equal("#!sideeye: capture needs FUNC EXPR… (e.g. #!sideeye capture main.worker len(cache.items) jobs --exe demo)",
            ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye capture --exe api")));
        Assert.Equal("#!sideeye: capture main.f: which expressions? (e.g. #!sideeye capture main.f req.ID len(items))",
            ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye capture main.f --exe api")));
        Assert.StartsWith("#!sideeye: capture main.f: '(' … ')' is missing",
            ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye capture main.f len(x --exe api")).Replace("')'", "'(' … ')'"));
        Assert.Equal("#!sideeye: unknown option '--exee' for capture (known: --exe, --remove)",
            ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye capture main.f x --exee api")));
        Assert.Equal("#!sideeye: capture --remove: the spec captures nothing in main.f of api",
            ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye capture --remove main.f --exe api")));
        Assert.Equal("#!sideeye: spec: unknown action 'frob' (known: show, load FILE, save FILE)",
            ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye spec frob")));
        Assert.Equal("#!sideeye: spec load needs one FILE", ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye spec load")));
        var missing = Path.Combine(kernel.Directory, "missing.json");
        Assert.StartsWith($"#!sideeye: {missing}: cannot read the spec", ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye spec load missing.json")));
        Assert.False(File.Exists(Path.Combine(kernel.Directory, "sideeye-spec.json")));
        var (shown, html) = ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync("#!sideeye spec"));
        Assert.Empty(shown.Spec.Programs);
        Assert.Contains("nothing is captured yet", html);
    }
}
