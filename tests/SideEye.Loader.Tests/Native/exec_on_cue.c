// A target that runs execve from a thread other than the main one, on cue: it starts thread A (idle) and then
// thread Y, prints "threads MAIN A Y" (their tids, in the order /proc/PID/task lists them), and when the file
// named by argv[1] appears, Y execs argv[2] with the remaining arguments. The exec kills the main thread and A
// and, holding the process's cred_guard_mutex, waits until they have been reaped: by their tracer, if traced.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static char **cue;
static volatile int a_tid;

static void *idle(void *arg)
{
    a_tid = (int)syscall(SYS_gettid);
    for (;;) pause();
    return arg;
}

static void *exec_on_cue(void *arg)
{
    printf("threads %d %d %d\n", getpid(), a_tid, (int)syscall(SYS_gettid));
    fflush(stdout);
    while (access(cue[1], F_OK) != 0) usleep(1000);
    execv(cue[2], &cue[2]);
    perror("execv");
    exit(1);
    return arg;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: exec_on_cue CUE-FILE PROGRAM [ARGS...]\n"); return 2; }
    cue = argv;
    pthread_t a, y;
    pthread_create(&a, NULL, idle, NULL);
    while (a_tid == 0) usleep(1000);
    pthread_create(&y, NULL, exec_on_cue, NULL);
    for (;;) pause();
}
