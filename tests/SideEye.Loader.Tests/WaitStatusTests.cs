using SideEye.Loader.Ptrace;

namespace SideEye.Loader.Tests;

public sealed class WaitStatusTests
{
    [Theory]
    // status words as the kernel builds them (kernel/exit.c, kernel/ptrace.c)
    [InlineData(0x0000, "exited(0)")]
    [InlineData(0x0100, "exited(1)")]
    [InlineData(0x0009, "killed by signal 9")]
    [InlineData(0x177f, "signal-delivery-stop(23)")]
    [InlineData(0x80057f, "event-stop(128, signal 5)")]
    [InlineData(0x80137f, "event-stop(128, signal 19)")]
    [InlineData(0x3057f, "event-stop(3, signal 5)")]
    public void Decodes(int raw, string expected) => Assert.Equal(expected, new WaitStatus(raw).ToString());

    [Fact]
    public void Kinds()
    {
        Assert.True(new WaitStatus(0x80057f).InterruptOrGroupStop);
        Assert.True(new WaitStatus(0x3057f).CloneStop);
        Assert.True(new WaitStatus(0x177f).SignalDeliveryStop);
        Assert.Equal(23, new WaitStatus(0x177f).StopSignal);
        Assert.True(new WaitStatus(0x0009).Gone);
        Assert.False(new WaitStatus(0x80057f).Gone);
    }
}
