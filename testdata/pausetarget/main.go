// Command pausetarget is a busy Go process to pause: GOMAXPROCS 4, goroutines that spin, sleep and
// allocate; optionally -locked N goroutines each holding its own OS thread in a blocking syscall, and
// -churn N goroutines that keep creating threads that exit again; -exit-after D exits on its own.
// It prints "beat N urg M" about every millisecond, where N counts heartbeats and M the SIGURGs the
// program was notified of (the runtime's own preemption signals included).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

var sink atomic.Int64

func spin(id int) {
	x := int64(id)
	for {
		for i := 0; i < 1_000_000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		sink.Add(x & 1)
	}
}

func sleeper(d time.Duration) {
	var keep [][]byte
	for {
		time.Sleep(d)
		keep = append(keep, make([]byte, 4096))
		if len(keep) > 64 {
			keep = nil
		}
	}
}

func locked() {
	runtime.LockOSThread()
	ts := syscall.Timespec{Nsec: 50_000_000}
	for {
		syscall.Nanosleep(&ts, nil)
	}
}

// churn keeps creating OS threads that soon exit: a goroutine that returns while locked to its thread
// takes the thread with it, and the scheduler starts a new one for the next.
func churn() {
	for {
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			ts := syscall.Timespec{Nsec: 200_000}
			syscall.Nanosleep(&ts, nil)
			close(done)
		}()
		<-done
	}
}

// With -block-urg-main the main goroutine keeps the main thread (locked in init, the only way to be sure it is
// the process's first thread), blocks SIGURG there and waits in read(2) forever, while another goroutine
// beats: a process whose main thread never takes SIGURG.
func init() {
	for _, a := range os.Args[1:] {
		if a == "-block-urg-main" {
			runtime.LockOSThread()
		}
	}
}

func blockUrgForever() {
	set := uint64(1) << (uint(syscall.SIGURG) - 1)
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0); e != 0 {
		panic(e)
	}
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		panic(err)
	}
	buf := make([]byte, 1)
	for {
		syscall.Read(fds[0], buf)
	}
}

func main() {
	blockUrg := flag.Bool("block-urg-main", false, "the main thread blocks SIGURG and waits in read(2) (see init)")
	lockedThreads := flag.Int("locked", 0, "goroutines that each lock an OS thread in a blocking syscall")
	churning := flag.Int("churn", 0, "goroutines that keep creating OS threads that exit")
	exitAfter := flag.Duration("exit-after", 0, "exit with status 0 after this long (0: never)")
	flag.Parse()
	runtime.GOMAXPROCS(4)

	var urgs atomic.Int64
	ch := make(chan os.Signal, 64)
	signal.Notify(ch, syscall.SIGURG)
	go func() {
		for range ch {
			urgs.Add(1)
		}
	}()

	for i := 0; i < 2; i++ {
		go spin(i)
	}
	for i := 1; i <= 4; i++ {
		go sleeper(time.Duration(i) * time.Millisecond)
	}
	for i := 0; i < *lockedThreads; i++ {
		go locked()
	}

	for i := 0; i < *churning; i++ {
		go churn()
	}
	if *exitAfter > 0 {
		time.AfterFunc(*exitAfter, func() { os.Exit(0) })
	}

	beat := func() {
		for n := int64(1); ; n++ {
			fmt.Printf("beat %d urg %d\n", n, urgs.Load())
			time.Sleep(time.Millisecond)
		}
	}
	if *blockUrg {
		go beat()
		blockUrgForever()
	}
	beat()
}
