// Command demo is a small Go service used as a snapshot target: an HTTP server on loopback,
// a pool of workers fed through a channel, a ticker, and a mutex-guarded cache. With -leak D it also
// leaks a goroutine every D, blocked in main.fetch, for the notebooks' leak hunt.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

type Job struct {
	ID       int64
	Name     string
	Payload  []byte
	Deadline time.Time
}

type Cache struct {
	mu    sync.Mutex
	items map[string]*Job
}

func (c *Cache) Put(j *Job) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[j.Name] = j
}

//go:noinline
func process(j *Job, results chan<- int64) {
	sum := int64(0)
	for _, b := range j.Payload {
		sum += int64(b)
	}
	results <- sum
}

func worker(id int, jobs <-chan *Job, results chan<- int64, cache *Cache) {
	for j := range jobs {
		cache.Put(j)
		process(j, results)
	}
}

// fetch stands for a call to a slow upstream made without a timeout: nothing ever answers, so each
// call's goroutine stays blocked here for good.
//
//go:noinline
func fetch(id int64, url string, upstream <-chan []byte) []byte {
	body := <-upstream
	// Used after the wait, so id and url stay on the stack while it blocks, where a snapshot can read them.
	fmt.Fprintf(io.Discard, "fetched %d from %s: %d bytes\n", id, url, len(body))
	return body
}

func main() {
	once := flag.Bool("once", false, "print the ready line and exit")
	leak := flag.Duration("leak", 0, "start a main.fetch that never returns this often (0: never)")
	flag.Parse()
	if *leak > 0 {
		go func() {
			upstream := make(chan []byte)
			for id := int64(1); ; id++ {
				go fetch(id, fmt.Sprintf("http://inventory.internal/items/%d", id), upstream)
				time.Sleep(*leak)
			}
		}()
	}
	jobs := make(chan *Job)
	results := make(chan int64, 16)
	cache := &Cache{items: map[string]*Job{}}
	for i := 0; i < 4; i++ {
		go worker(i, jobs, results, cache)
	}
	go func() {
		for range results {
		}
	}()
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		n := int64(0)
		for range t.C {
			n++
			jobs <- &Job{ID: n, Name: fmt.Sprintf("job-%d", n%8), Payload: make([]byte, 64), Deadline: time.Now().Add(time.Second)}
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	fmt.Printf("ready pid=%d addr=%s\n", os.Getpid(), ln.Addr())
	if *once {
		return
	}
	_ = http.Serve(ln, nil)
}
