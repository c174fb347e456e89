// Command greeter is a gRPC service and its client, built as real services use grpc-go: from Debian's
// golang-google-grpc-dev sources in GOPATH mode (GO111MODULE=off, GOPATH=/usr/share/gocode), so it lives outside the
// testdata module. The service is grpc's own health service; its Check never answers for a service name that starts
// with "stuck".
//
//	greeter -serve [-listen ADDR]       serve on ADDR (default 127.0.0.1:0); for every call print
//	                                    "serving SERVICE remote=HOST:PORT" (the client's address, as the server sees it),
//	                                    then "ready pid=PID addr=HOST:PORT" first of all
//	greeter -call ADDR [-n N] [-local IP]  N calls (default 8) at once over one connection: call I asks for service
//	                                    "stuck-I" when I % 4 == 0, else "ok-I", each a goroutine in main.call(service);
//	                                    prints "done SERVICE" when answered and "ready pid=PID" once the answers stop
//
// Both exit when standard input closes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
)

var out sync.Mutex

func say(format string, args ...interface{}) {
	out.Lock()
	defer out.Unlock()
	fmt.Printf(format+"\n", args...)
}

type checker struct {
	healthpb.UnimplementedHealthServer
	never chan struct{}
}

//go:noinline
func (c *checker) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if p, ok := peer.FromContext(ctx); ok {
		say("serving %s remote=%s", req.Service, p.Addr)
	}
	if strings.HasPrefix(req.Service, "stuck") {
		<-c.never
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

var done int64

//go:noinline
func call(client healthpb.HealthClient, service string) {
	if _, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: service}); err != nil {
		say("failed %s %v", service, err)
		return
	}
	atomic.AddInt64(&done, 1)
	say("done %s", service)
}

func main() {
	serve := flag.Bool("serve", false, "serve the health service")
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	target := flag.String("call", "", "call the service at HOST:PORT")
	n := flag.Int("n", 8, "calls")
	local := flag.String("local", "", "dial from this IP address")
	flag.Parse()
	switch {
	case *serve:
		l, err := net.Listen("tcp", *listen)
		if err != nil {
			fmt.Fprintln(os.Stderr, "greeter:", err)
			os.Exit(1)
		}
		s := grpc.NewServer()
		healthpb.RegisterHealthServer(s, &checker{never: make(chan struct{})})
		say("ready pid=%d addr=%s", os.Getpid(), l.Addr())
		go s.Serve(l)
	case *target != "":
		dialer := &net.Dialer{Timeout: 5 * time.Second}
		if *local != "" {
			dialer.LocalAddr = &net.TCPAddr{IP: net.ParseIP(*local)}
		}
		conn, err := grpc.Dial(*target, grpc.WithInsecure(), grpc.WithBlock(),
			grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) { return dialer.DialContext(ctx, "tcp", addr) }))
		if err != nil {
			fmt.Fprintln(os.Stderr, "greeter:", err)
			os.Exit(1)
		}
		client := healthpb.NewHealthClient(conn)
		for i := 0; i < *n; i++ {
			service := fmt.Sprintf("ok-%d", i)
			if i%4 == 0 {
				service = fmt.Sprintf("stuck-%d", i)
			}
			go call(client, service)
		}
		// Ready once the answers have stopped coming: what is left is stuck.
		last, since := int64(-1), time.Now()
		for time.Since(since) < 300*time.Millisecond {
			time.Sleep(10 * time.Millisecond)
			if d := atomic.LoadInt64(&done); d != last {
				last, since = d, time.Now()
			}
		}
		say("ready pid=%d", os.Getpid())
	default:
		fmt.Fprintln(os.Stderr, "greeter: -serve or -call HOST:PORT")
		os.Exit(2)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
}
