// Command backend is the second service of a two-service demo: an item store over HTTP that testdata/frontend
// calls. Items live in shards; shard 0 is being compacted by a goroutine that holds its lock and never finishes,
// so a request for an item of shard 0 waits in main.(*store).lookup on that lock, while every other request is
// answered at once.
//
//	backend -listen ADDR   serve on ADDR (default 127.0.0.1:0, an ephemeral port)
//	backend -shards N      items are in N shards (default 4); item I is in shard I % N
//
// GET /items/ITEM?request=ID answers "item ITEM for ID". For every request it prints "serving ID item=ITEM
// remote=HOST:PORT local=HOST:PORT" (the connection's addresses as the server sees them) before it looks the item
// up, and "waiting ID" just before a request for shard 0 blocks. It prints "ready pid=PID addr=HOST:PORT" once
// listening, and exits when standard input closes.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
)

type shard struct {
	mu    sync.Mutex
	items map[int64]string
}

type store struct {
	shards []*shard
	out    sync.Mutex
}

func (s *store) say(format string, args ...interface{}) {
	s.out.Lock()
	defer s.out.Unlock()
	fmt.Printf(format+"\n", args...)
}

// compact holds shard 0's lock for as long as the process lives: the reason requests for its items wait.
//
//go:noinline
func (s *store) compact(held chan<- struct{}, done <-chan struct{}) {
	s.shards[0].mu.Lock()
	close(held)
	<-done
	s.shards[0].mu.Unlock()
}

// lookup is where a request waits when its shard is busy.
//
//go:noinline
func (s *store) lookup(id int64, item int64) string {
	sh := s.shards[item%int64(len(s.shards))]
	if sh == s.shards[0] {
		s.say("waiting %d", id)
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return fmt.Sprintf("%s for %d", sh.items[item], id)
}

//go:noinline
func (s *store) serveItem(w http.ResponseWriter, r *http.Request) {
	item, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/items/"), 10, 64)
	id, err2 := strconv.ParseInt(r.URL.Query().Get("request"), 10, 64)
	if err != nil || err2 != nil {
		http.Error(w, "want /items/ITEM?request=ID", http.StatusBadRequest)
		return
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	s.say("serving %d item=%d remote=%s local=%s", id, item, r.RemoteAddr, local)
	fmt.Fprintln(w, s.lookup(id, item))
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	shards := flag.Int("shards", 4, "shards; shard 0 is stuck in compaction")
	flag.Parse()
	s := &store{}
	for i := 0; i < *shards; i++ {
		sh := &shard{items: map[int64]string{}}
		for item := int64(i); item < 1000; item += int64(*shards) {
			sh.items[item] = "item " + strconv.FormatInt(item, 10)
		}
		s.shards = append(s.shards, sh)
	}
	held, done := make(chan struct{}), make(chan struct{})
	go s.compact(held, done)
	<-held
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "backend:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/items/", s.serveItem)
	go http.Serve(l, mux)
	s.say("ready pid=%d addr=%s", os.Getpid(), l.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	close(done)
}
