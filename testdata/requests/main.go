// Command requests holds N in-flight "requests", each a goroutine parked inside main.(*server).handle with a
// *request whose fields it prints itself, so snapshots with captures can be checked and timed at scale.
//
//	requests -n N   N goroutines (default 1000)
//	requests -spin  also one goroutine running main.spinWith(77, "spinner") on a CPU, never parking
//	requests -listen  also serves, as a service would, on 127.0.0.1 (an ephemeral port): GET / answers the number of
//	                  requests in flight
//
// For the first three requests it prints "request I {json}" (the values a capture of req.ID, req.Path, req.User,
// req.Tags and len(req.Tags) must find), then "ready pid=PID" (with -listen, "ready pid=PID addr=HOST:PORT"), and
// exits when standard input closes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
)

type request struct {
	ID    int64
	Path  string
	User  string
	Tags  []string
	Owner *server
}

type server struct {
	name    string
	release chan struct{}
	parked  chan int64
}

//go:noinline
func (s *server) handle(req *request) {
	s.parked <- req.ID
	<-s.release
	runtime.KeepAlive(req)
}

// spinWith keeps a CPU busy with its arguments live: a goroutine that is running when the snapshot stops it.
//
//go:noinline
func spinWith(id int64, label string) {
	x := uint64(id)
	for {
		x = x*6364136223846793005 + uint64(len(label))
		if x == 0 {
			spinSink = id + int64(len(label))
		}
	}
}

var spinSink int64

func main() {
	n := flag.Int("n", 1000, "in-flight requests")
	spin := flag.Bool("spin", false, "one goroutine spinning in main.spinWith(77, \"spinner\")")
	listen := flag.Bool("listen", false, "serve GET / on 127.0.0.1 (an ephemeral port)")
	flag.Parse()
	if *spin {
		go spinWith(77, "spinner")
	}
	s := &server{name: "api", release: make(chan struct{}), parked: make(chan int64, 64)}
	for i := 0; i < *n; i++ {
		req := &request{
			ID:    int64(1000 + i),
			Path:  fmt.Sprintf("/api/v1/items/%d", i),
			User:  []string{"ana", "bo", "chen"}[i%3],
			Tags:  strings.Split("a,b,c,d,e,f,g,h"[:2*(i%4)+1], ","),
			Owner: s,
		}
		if i < 3 {
			b, _ := json.Marshal(map[string]interface{}{"req.ID": req.ID, "req.Path": req.Path, "req.User": req.User, "req.Tags": req.Tags, "len(req.Tags)": len(req.Tags)})
			fmt.Printf("request %d %s\n", i, b)
		}
		go s.handle(req)
	}
	for i := 0; i < *n; i++ {
		<-s.parked
	}
	if *listen {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "requests:", err)
			os.Exit(1)
		}
		go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "%d in flight\n", *n) }))
		fmt.Printf("ready pid=%d addr=%s\n", os.Getpid(), l.Addr())
	} else {
		fmt.Printf("ready pid=%d\n", os.Getpid())
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	close(s.release)
}
