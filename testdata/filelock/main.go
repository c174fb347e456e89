// Command filelock holds an fcntl write lock on a file, the kind DuckDB takes on its database, so a test
// can see how a locked file is reported. It prints "locked pid=PID" once it holds the lock and keeps it
// until standard input closes.
package main

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: filelock FILE")
		os.Exit(2)
	}
	f, err := os.OpenFile(os.Args[1], os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "filelock:", err)
		os.Exit(1)
	}
	lock := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lock); err != nil {
		fmt.Fprintln(os.Stderr, "filelock:", err)
		os.Exit(1)
	}
	fmt.Printf("locked pid=%d\n", os.Getpid())
	_, _ = io.Copy(io.Discard, os.Stdin)
}
