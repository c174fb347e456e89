package main

// A thread C created (pthread_create in callback.c), unknown to the Go runtime, calls into Go: the runtime lends it
// an extra M, and the goroutine it runs on (main.goCallback) parks there, locked to that thread.

/*
int c_start_thread(int n);
*/
import "C"

// Closed never: the callback waits on it for the life of the process.
var callbackWait = make(chan int)

//export goCallback
func goCallback(n C.int) {
	arrive("callback", "main.goCallback")
	sink += int(n) + <-callbackWait
}

// startCThread starts the C thread that calls goCallback.
func startCThread() {
	if C.c_start_thread(7) != 0 {
		panic("pthread_create failed")
	}
}
