// Command cgo is a program linked with C, as Go programs are by default whenever a C compiler is present and
// net or os/user is imported: C functions from its preamble and from the runtime's cgo support sit in the Go
// function table without a Go compilation unit. One goroutine is blocked inside a C call (main.inC, in
// c_block), a few are parked in Go code called back from nowhere special (main.waitInGo), one runs on a thread C
// created, parked in the Go function that thread called (main.goCallback, see callback.go), and with -resolve one
// waits inside the C resolver's getaddrinfo (resolver.go); it imports os/user so getpwuid's code is linked too.
//
// Once everything is parked it writes runtime.Stack(buf, true) to the file named by -dump, prints
// "park KIND goid=N func=F" for the goroutine in C (KIND c), the Go waiters (KIND go) and the callback (KIND
// callback), then "ready pid=PID",
// and exits when standard input closes, which its main goroutine waits for inside C, on the main thread. Built with
// CGO_ENABLED=1 (it does not build without cgo).
package main

/*
#include <unistd.h>
#include <poll.h>

// Blocks in poll(2) for up to ms milliseconds, woken early by data on fd.
static int c_block(int fd, int ms) {
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms);
}

static int c_add(int a, int b) { return a + b; }
*/
import "C"

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/user"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	arrived int32
	parksMu sync.Mutex
	parks   []string
	sink    int
)

// goid parses the current goroutine's id from its own stack header ("goroutine N [...]").
func goid() int64 {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	var id int64
	fmt.Sscanf(strings.TrimPrefix(string(b), "goroutine "), "%d", &id)
	return id
}

func arrive(kind, fn string) {
	line := fmt.Sprintf("park %s goid=%d func=%s", kind, goid(), fn)
	parksMu.Lock()
	parks = append(parks, line)
	parksMu.Unlock()
	atomic.AddInt32(&arrived, 1)
}

//go:noinline
func inC(fd int) {
	arrive("c", "main.inC")
	C.c_block(C.int(fd), 3600*1000)
}

//go:noinline
func waitInGo(ch chan int) {
	sink = int(C.c_add(1, 2))
	arrive("go", "main.waitInGo")
	sink += <-ch
}

func main() {
	dumpPath := flag.String("dump", "", "file to write runtime.Stack(all=true) to once everything is parked")
	resolve := flag.String("resolve", "", "also look this name up with the C resolver, forever (see resolver.go)")
	nameserver := flag.String("nameserver", "127.0.0.77:53", "with -resolve: where to receive the resolver's queries (the resolv.conf's name server)")
	flag.Parse()
	// Linked, not used: the C resolver and user lookup (cgo's own C functions).
	_ = net.ParseIP("127.0.0.1")
	_, _ = user.Current()

	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		fmt.Fprintln(os.Stderr, "cgo: pipe:", err)
		os.Exit(1)
	}
	never := make(chan int)
	go inC(fds[0])
	for i := 0; i < 3; i++ {
		go waitInGo(never)
	}
	startCThread()
	want := int32(5)
	if *resolve != "" {
		want++
		go resolveForever(*resolve, *nameserver)
	}
	for atomic.LoadInt32(&arrived) < want {
		time.Sleep(time.Millisecond)
	}
	// Until the goroutine in C is in its poll and the waiters in their receive.
	time.Sleep(100 * time.Millisecond)
	if *dumpPath != "" {
		buf := make([]byte, 1<<20)
		if err := os.WriteFile(*dumpPath, buf[:runtime.Stack(buf, true)], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "cgo:", err)
			os.Exit(1)
		}
	}
	parksMu.Lock()
	fmt.Printf("%s\nready pid=%d\n", strings.Join(parks, "\n"), os.Getpid())
	parksMu.Unlock()
	// The main goroutine, locked to the main thread (init), now waits in C: a signal to the main thread (SideEye's
	// trigger) arrives in C code and enters the runtime through cgo's signal handler (runtime.cgoSigtramp).
	for C.c_block(0, 3600*1000) == 0 {
	}
	_, _ = syscall.Write(fds[1], []byte{1})
}

func init() { runtime.LockOSThread() }
