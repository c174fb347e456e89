package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync/atomic"
)

// resolveForever looks name up with the C resolver (getaddrinfo; the test sets GODEBUG=netdns=cgo) against a name
// server that never answers: this program's own UDP socket on nameserver, a loopback address the resolv.conf the
// test mounts names. Its first query arriving counts as an arrival: from then on a goroutine is inside getaddrinfo.
func resolveForever(name, nameserver string) {
	conn, err := net.ListenPacket("udp", nameserver)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cgo: listen:", err)
		os.Exit(1)
	}
	go func() {
		for {
			_, _ = net.DefaultResolver.LookupHost(context.Background(), name)
		}
	}()
	buf := make([]byte, 512)
	for first := true; ; first = false {
		if _, _, err := conn.ReadFrom(buf); err != nil {
			fmt.Fprintln(os.Stderr, "cgo: read:", err)
			os.Exit(1)
		}
		if first {
			atomic.AddInt32(&arrived, 1)
		}
	}
}
