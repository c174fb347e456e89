// A stand-in for a SideEye process that dies mid-pause: seizes and interrupts every thread of the
// target, waits until they are stopped, prints "paused N" and sleeps until it is SIGKILLed.
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: pause_helper PID\n"); return 2; }
    int pid = atoi(argv[1]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    static int tids[65536];
    int n = 0;
    for (int round = 0; round < 3; round++) {
        DIR *dir = opendir(path);
        if (!dir) { perror(path); return 1; }
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            int tid = atoi(e->d_name), known = 0;
            if (tid <= 0) continue;
            for (int i = 0; i < n; i++) if (tids[i] == tid) known = 1;
            if (known || n == 65536) continue;
            if (ptrace(PTRACE_SEIZE, tid, 0, (void *)PTRACE_O_TRACECLONE) != 0) { perror("PTRACE_SEIZE"); continue; }
            ptrace(PTRACE_INTERRUPT, tid, 0, 0);
            tids[n++] = tid;
        }
        closedir(dir);
    }
    for (int i = 0; i < n; i++) { int status; waitpid(tids[i], &status, __WALL); }
    printf("paused %d\n", n);
    fflush(stdout);
    for (;;) pause();
}
