// Command parked parks goroutines in known places, so that a snapshot of it can be compared with
// the Go runtime's own account of the same goroutines.
//
// Once every goroutine is parked it writes runtime.Stack(buf, true) to the file named by -dump, prints
// one "park KIND goid=N func=F" line per named parking place (F is the main-package function that
// parks, as it appears in a traceback), then "ready pid=PID", and waits until standard input closes
// or SIGTERM arrives.
//
// Parking places (KIND: function):
//
//	chan-send: main.chanSend            chan-recv: main.chanRecv            select: main.selectWait
//	mutex: main.lockMutex               rwmutex-rlock: main.rlockRWMutex    rwmutex-lock: main.lockRWMutex
//	waitgroup: main.waitGroup           cond: main.condWait                 sleep: main.sleeper
//	accept: main.acceptConn             net-read: main.readConn             syscall: main.pipeRead
//	recursion: main.recurse (300 deep)  closure: main.makeClosure.func1     method: main.(*parker).waitMethod
//	method-value: main.(*parker).waitMethodValue, started through a method value (go f() with f := p.waitMethodValue)
//	generic: main.genericWait[...]      inlined: main.inlinedLeaf inlined into main.inlinedCaller
//	labels: main.withLabels.func1, with pprof labels worker=7 path=/api/"v1"
//	spin (2): main.spin, on CPU in its callee main.spinLoop
//
// -spin N runs N spinners instead of 2 (0 for a program that leaves the CPUs alone, as a fleet of them must).
// -n N adds N goroutines parked in main.idle (chan receive); -threads N adds N goroutines, each locked
// to its own OS thread (runtime.LockOSThread) and blocked in read(2) in main.lockedSyscall; -deep N adds N
// goroutines 3 to 20 frames deep in main.deepA/main.deepB (by goroutine, in turn), waiting in main.deepWait on a
// channel receive, a select, a mutex and a sleep, in turn: a server's realistic stacks, for the benchmark.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// RecursionDepth is how many main.recurse frames the recursion goroutine has when it parks.
const RecursionDepth = 300

var (
	arrived  int32 // goroutines about to park
	parksMu  sync.Mutex
	parks    []string
	spinSink uint64
	sink     int
)

// arrive records a named parking place (or, with kind "", just counts an anonymous one).
func arrive(kind, fn string) {
	if kind != "" {
		line := fmt.Sprintf("park %s goid=%d func=%s", kind, currentGoid(), fn)
		parksMu.Lock()
		parks = append(parks, line)
		parksMu.Unlock()
	}
	atomic.AddInt32(&arrived, 1)
}

// currentGoid reads the goroutine id from the first line of this goroutine's own traceback.
func currentGoid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		panic("cannot read goroutine id: " + err.Error())
	}
	return id
}

//go:noinline
func chanSend(ch chan int) {
	arrive("chan-send", "main.chanSend")
	ch <- 1
}

//go:noinline
func chanRecv(ch chan int) {
	arrive("chan-recv", "main.chanRecv")
	sink = <-ch
}

//go:noinline
func selectWait(a, b chan int) {
	arrive("select", "main.selectWait")
	select {
	case v := <-a:
		sink = v
	case b <- 1:
	}
}

//go:noinline
func lockMutex(mu *sync.Mutex) {
	arrive("mutex", "main.lockMutex")
	mu.Lock()
}

//go:noinline
func rlockRWMutex(rw *sync.RWMutex) {
	arrive("rwmutex-rlock", "main.rlockRWMutex")
	rw.RLock()
}

//go:noinline
func lockRWMutex(rw *sync.RWMutex) {
	arrive("rwmutex-lock", "main.lockRWMutex")
	rw.Lock()
}

//go:noinline
func waitGroup(wg *sync.WaitGroup) {
	arrive("waitgroup", "main.waitGroup")
	wg.Wait()
}

//go:noinline
func condWait(c *sync.Cond) {
	c.L.Lock()
	arrive("cond", "main.condWait")
	c.Wait()
}

//go:noinline
func sleeper() {
	arrive("sleep", "main.sleeper")
	time.Sleep(24 * time.Hour)
}

//go:noinline
func acceptConn(ln net.Listener) {
	arrive("accept", "main.acceptConn")
	if _, err := ln.Accept(); err != nil {
		fail("accept: %v", err)
	}
}

//go:noinline
func readConn(c net.Conn) {
	arrive("net-read", "main.readConn")
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil {
		fail("read: %v", err)
	}
}

//go:noinline
func pipeRead(fd int) {
	arrive("syscall", "main.pipeRead")
	var b [1]byte
	if _, err := syscall.Read(fd, b[:]); err != nil {
		fail("pipe read: %v", err)
	}
}

//go:noinline
func lockedSyscall(fd int) {
	runtime.LockOSThread()
	arrive("locked-syscall", "main.lockedSyscall")
	var b [1]byte
	if _, err := syscall.Read(fd, b[:]); err != nil {
		fail("pipe read: %v", err)
	}
}

//go:noinline
func recurse(n int, ch chan int) int {
	if n <= 1 {
		arrive("recursion", "main.recurse")
		return <-ch
	}
	return recurse(n-1, ch) + 1
}

//go:noinline
func makeClosure(ch chan int) func() {
	return func() {
		arrive("closure", "main.makeClosure.func1")
		sink = <-ch
	}
}

type parker struct{ ch chan int }

//go:noinline
func (p *parker) waitMethod() {
	arrive("method", "main.(*parker).waitMethod")
	sink = <-p.ch
}

//go:noinline
func (p *parker) waitMethodValue() {
	arrive("method-value", "main.(*parker).waitMethodValue")
	sink = <-p.ch
}

//go:noinline
func genericWait[T any](ch chan T) T {
	arrive("generic", "main.genericWait[...]")
	return <-ch
}

// inlinedLeaf is small enough to be inlined into inlinedCaller; tracebacks still show it as a frame.
func inlinedLeaf(ch chan int) int { return <-ch + 1 }

//go:noinline
func inlinedCaller(ch chan int) {
	arrive("inlined", "main.inlinedCaller")
	sink = inlinedLeaf(ch) * 2
}

// withLabels parks inside pprof.Do, so the goroutine carries pprof labels (Go 1.26 prints them in the
// header with GODEBUG=tracebacklabels=1). The parking frame is the closure main.withLabels.func1.
//
//go:noinline
func withLabels(ch chan int) {
	pprof.Do(context.Background(), pprof.Labels("worker", "7", "path", "/api/\"v1\""), func(context.Context) {
		arrive("labels", "main.withLabels.func1")
		sink = <-ch
	})
}

// spin keeps a CPU busy in spinLoop, so a running spinner's stack is main.spinLoop called from main.spin.
//
//go:noinline
func spin() {
	arrive("spin", "main.spin")
	spinLoop(1)
}

//go:noinline
func spinLoop(x uint64) {
	for {
		x = x*6364136223846793005 + 1442695040888963407
		if x == 0 {
			spinSink = x
		}
	}
}

//go:noinline
func idle(ch chan int) {
	arrive("", "")
	sink = <-ch
}

// deepWaits is what the -deep goroutines wait on: a channel nobody sends on, a mutex main holds, a long sleep.
type deepWaits struct {
	ch, other chan int
	mu        *sync.Mutex
}

// deepA and deepB call each other d frames deep, with frames of different sizes as real call chains have, then
// wait in deepWait: a server's goroutines parked a realistic depth below their entry point.
//
//go:noinline
func deepA(d, kind int, w *deepWaits) int {
	var pad [4]int64
	pad[d%4] = int64(d)
	if d > 1 {
		return deepB(d-1, kind, w) + int(pad[d%4])
	}
	return deepWait(kind, w)
}

//go:noinline
func deepB(d, kind int, w *deepWaits) int {
	var pad [12]int64
	pad[d%12] = int64(d)
	if d > 1 {
		return deepA(d-1, kind, w) + int(pad[d%12])
	}
	return deepWait(kind, w)
}

//go:noinline
func deepWait(kind int, w *deepWaits) int {
	arrive("", "")
	switch kind % 4 {
	case 0:
		return <-w.ch
	case 1:
		select {
		case v := <-w.ch:
			return v
		case v := <-w.other:
			return v
		}
	case 2:
		w.mu.Lock()
		w.mu.Unlock()
		return 0
	default:
		time.Sleep(1000 * time.Hour)
		return 0
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "parked: "+format+"\n", args...)
	os.Exit(1)
}

// stackAll returns runtime.Stack(all=true), growing the buffer until the dump fits.
func stackAll() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// settled reports whether every goroutine in the dump that runs a main-package function (other than
// main.spin and main.main) is parked rather than runnable or running.
func settled(dump []byte) bool {
	for _, block := range strings.Split(string(dump), "\n\n") {
		nl := strings.IndexByte(block, '\n')
		if nl < 0 {
			continue
		}
		header, body := block[:nl], block[nl:]
		if i := strings.Index(body, "\n[originating from goroutine"); i >= 0 {
			body = body[:i] // GODEBUG=tracebackancestors: the creator's stack follows
		}
		if !strings.Contains(body, "\nmain.") || strings.Contains(body, "\nmain.spin(") || strings.Contains(body, "\nmain.main(") {
			continue
		}
		if strings.Contains(header, "[runnable") || strings.Contains(header, "[running") {
			return false
		}
	}
	return true
}

func main() {
	spinners := flag.Int("spin", 2, "goroutines spinning on a CPU in main.spinLoop")
	idleCount := flag.Int("n", 0, "extra idle goroutines parked on a channel receive in main.idle")
	deepCount := flag.Int("deep", 0, "extra goroutines 3 to 20 frames deep in main.deepA/deepB, waiting in turn on a channel, a select, a mutex and a sleep")
	threads := flag.Int("threads", 0, "goroutines locked to their own OS thread and blocked in read(2)")
	dumpPath := flag.String("dump", "", "file to write runtime.Stack(all=true) to once everything is parked")
	collect := flag.Bool("gc", false, "collect garbage once parked, so the runtime records when blocked goroutines began to wait (g.waitsince)")
	flag.Parse()

	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		fail("pipe: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	client, err := net.Dial("tcp", ln2.Addr().String())
	if err != nil {
		fail("dial: %v", err)
	}
	server, err := ln2.Accept()
	if err != nil {
		fail("accept: %v", err)
	}

	var mu sync.Mutex
	mu.Lock()
	var rwWriter, rwReader sync.RWMutex
	rwWriter.Lock()
	rwReader.RLock()
	var wg sync.WaitGroup
	wg.Add(1)
	cond := sync.NewCond(&sync.Mutex{})
	never := make(chan int)

	// Every go statement is in main itself, so each traceback says "created by main.main".
	go chanSend(make(chan int))
	go chanRecv(make(chan int))
	go selectWait(make(chan int), make(chan int))
	go lockMutex(&mu)
	go rlockRWMutex(&rwWriter)
	go lockRWMutex(&rwReader)
	go waitGroup(&wg)
	go condWait(cond)
	go sleeper()
	go acceptConn(ln)
	go readConn(server)
	go pipeRead(fds[0])
	go func() { sink = recurse(RecursionDepth, never) }()
	go makeClosure(never)()
	go (&parker{ch: never}).waitMethod()
	methodValue := (&parker{ch: never}).waitMethodValue
	go methodValue()
	go func() { sink = genericWait(never) }()
	go inlinedCaller(never)
	go withLabels(never)
	for i := 0; i < *spinners; i++ {
		go spin()
	}
	const named = 19
	for i := 0; i < *threads; i++ {
		go lockedSyscall(fds[0])
	}
	for i := 0; i < *idleCount; i++ {
		go idle(never)
	}
	var deepMu sync.Mutex
	deepMu.Lock()
	waits := &deepWaits{ch: never, other: make(chan int), mu: &deepMu}
	for i := 0; i < *deepCount; i++ {
		go deepA(3+i%18, i, waits)
	}
	expected := int32(named + *spinners + *threads + *idleCount + *deepCount)

	for atomic.LoadInt32(&arrived) < expected {
		time.Sleep(time.Millisecond)
	}
	var dump []byte
	for attempt := 0; ; attempt++ {
		dump = stackAll()
		if settled(dump) {
			break
		}
		if attempt == 2000 {
			fail("goroutines did not park within 20s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if *dumpPath != "" {
		if err := os.WriteFile(*dumpPath, dump, 0o644); err != nil {
			fail("%v", err)
		}
	}
	if *collect {
		// Twice: a stack scan stamps blocked goroutines with the start of the last finished cycle (work.tstart is
		// set at mark termination), which the first cycle of a process does not have yet.
		runtime.GC()
		runtime.GC()
	}
	out := strings.Join(parks, "\n") + fmt.Sprintf("\nready pid=%d\n", os.Getpid())
	if _, err := os.Stdout.WriteString(out); err != nil {
		fail("%v", err)
	}

	done := make(chan struct{}, 1)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	select {
	case <-done:
	case <-sigs:
	}
	_ = client.Close()
}
