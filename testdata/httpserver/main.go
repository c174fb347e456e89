// Command httpserver is an HTTP server to snapshot under load. It serves on 127.0.0.1 on an ephemeral port,
// prints "ready pid=PID addr=HOST:PORT" once listening, and exits when standard input closes or SIGTERM arrives.
//
// Every answer is 200 with a text/plain body the client can check:
//
//	GET /sum?n=N      "sum N S" where S = 1+2+…+N, computed in a loop in main.sumTo
//	GET /sleep?ms=M   "slept M" after time.Sleep of M milliseconds (0 ≤ M ≤ 1000) in main.nap
//	GET /count?id=C   "count C K" where K counts the requests with this id so far, under one sync.Mutex
//
// A bad query is answered 400.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

var (
	countsMu sync.Mutex
	counts   = map[string]int64{}
)

//go:noinline
func sumTo(n int64) int64 {
	var s int64
	for i := int64(1); i <= n; i++ {
		s += i
	}
	return s
}

//go:noinline
func nap(ms int) {
	time.Sleep(time.Duration(ms) * time.Millisecond)
}

//go:noinline
func bump(id string) int64 {
	countsMu.Lock()
	defer countsMu.Unlock()
	counts[id]++
	return counts[id]
}

func handleSum(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
	if err != nil || n < 0 || n > 10_000_000 {
		http.Error(w, "n must be an integer from 0 to 10000000", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "sum %d %d\n", n, sumTo(n))
}

func handleSleep(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
	if err != nil || ms < 0 || ms > 1000 {
		http.Error(w, "ms must be an integer from 0 to 1000", http.StatusBadRequest)
		return
	}
	nap(ms)
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "slept %d\n", ms)
}

func handleCount(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		http.Error(w, "id is required", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "count %s %d\n", id, bump(id))
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "httpserver: listen: %v\n", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/sum", handleSum)
	mux.HandleFunc("/sleep", handleSleep)
	mux.HandleFunc("/count", handleCount)
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	fmt.Printf("ready pid=%d addr=%s\n", os.Getpid(), ln.Addr())

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
	case err := <-served:
		fmt.Fprintf(os.Stderr, "httpserver: serve: %v\n", err)
		os.Exit(1)
	}
	_ = server.Close()
}
