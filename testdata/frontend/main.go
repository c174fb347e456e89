// Command frontend is the first service of a two-service demo: it serves N requests at once, each a goroutine in
// main.(*frontend).handle(req *request) that fetches the request's item from testdata/backend over HTTP (net/http's
// client, one connection per request in flight). The backend never answers for items of its shard 0, so those
// requests stay in flight, waiting in net/http.(*persistConn).roundTrip.
//
//	frontend -backend HOST:PORT   the backend (required)
//	frontend -n N                 requests (default 12); request I (from 0) has ID 5000+I and item I
//	frontend -local IP            dial the backend from this address (a loopback alias standing for another machine)
//
// For every request it prints "call ID item=ITEM local=HOST:PORT remote=HOST:PORT" once it has a connection (the
// connection's addresses as the client sees them), and "done ID" when the answer has been read. When every request
// has written its call and no answer came for 200 ms, it prints "ready pid=PID"; it exits when standard input closes.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

type request struct {
	ID    int64
	Item  int64
	Path  string
	User  string
	Start time.Time
}

type frontend struct {
	client  *http.Client
	backend string
	out     sync.Mutex
	written int64
	done    int64
}

func (f *frontend) say(format string, args ...interface{}) {
	f.out.Lock()
	defer f.out.Unlock()
	fmt.Printf(format+"\n", args...)
}

//go:noinline
func (f *frontend) handle(req *request) {
	body, err := f.fetchItem(req)
	if err != nil {
		f.say("failed %d %v", req.ID, err)
		return
	}
	_ = body
	atomic.AddInt64(&f.done, 1)
	f.say("done %d", req.ID)
}

//go:noinline
func (f *frontend) fetchItem(req *request) (string, error) {
	r, err := http.NewRequest("GET", fmt.Sprintf("http://%s%s?request=%d", f.backend, req.Path, req.ID), nil)
	if err != nil {
		return "", err
	}
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			f.say("call %d item=%d local=%s remote=%s", req.ID, req.Item, info.Conn.LocalAddr(), info.Conn.RemoteAddr())
		},
		WroteRequest: func(httptrace.WroteRequestInfo) { atomic.AddInt64(&f.written, 1) },
	}
	resp, err := f.client.Do(r.WithContext(httptrace.WithClientTrace(r.Context(), trace)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func main() {
	backend := flag.String("backend", "", "the backend's HOST:PORT")
	n := flag.Int("n", 12, "requests")
	local := flag.String("local", "", "dial the backend from this IP address")
	flag.Parse()
	if *backend == "" {
		fmt.Fprintln(os.Stderr, "frontend: -backend HOST:PORT is required")
		os.Exit(2)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if *local != "" {
		dialer.LocalAddr = &net.TCPAddr{IP: net.ParseIP(*local)}
	}
	transport := &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: *n}
	f := &frontend{client: &http.Client{Transport: transport}, backend: *backend}
	users := []string{"ana", "bo", "chen"}
	for i := 0; i < *n; i++ {
		req := &request{ID: int64(5000 + i), Item: int64(i), Path: fmt.Sprintf("/items/%d", i), User: users[i%len(users)], Start: time.Now()}
		go f.handle(req)
	}
	// Ready once every call is on the wire and the answers have stopped coming: what is left is stuck.
	last, since := int64(-1), time.Now()
	for {
		time.Sleep(10 * time.Millisecond)
		done := atomic.LoadInt64(&f.done)
		if done != last {
			last, since = done, time.Now()
		}
		if atomic.LoadInt64(&f.written) >= int64(*n) && time.Since(since) >= 200*time.Millisecond {
			break
		}
	}
	f.say("ready pid=%d", os.Getpid())
	_, _ = io.Copy(io.Discard, os.Stdin)
}
