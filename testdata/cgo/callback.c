#include <pthread.h>
#include "_cgo_export.h"

// A thread of C's own that calls into Go, as a C library's worker thread calling a Go callback would.
static void *c_thread(void *arg) {
	goCallback((int)(long)arg);
	return 0;
}

int c_start_thread(int n) {
	pthread_t t;
	return pthread_create(&t, 0, c_thread, (void *)(long)n);
}
