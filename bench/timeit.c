/* timeit.c - how bench/run times one command.
 *
 * Usage: bench-timeit RESULT STDOUT STDERR COMMAND [ARG...]
 * Runs COMMAND with its standard output and error in the files STDOUT
 * and STDERR, and writes "wall user sys maxrss_kib\n" to RESULT: seconds
 * from just before the fork until wait4(2) returns, the child's user
 * and system time, and its peak resident memory. Exits with COMMAND's
 * status (128 + the signal when one ended it; 127 when it could not be
 * started).
 *
 * Why a program of its own: bench/run timed each build from Python,
 * which started GNU time, which started the build. The clock then
 * covered Python forking its own ~14 MiB image and GNU time's start (the
 * dynamic loader and its own fork and exec): /bin/true measured 5.0-6.6
 * ms that way, 2.2-2.9 ms with this program: 3-4 ms added to every row,
 * a third of the no-change rebuild's. GNU time was there for the peak
 * memory only: Linux carries a process's RSS high-water mark across
 * exec(2), so a child forked from Python reports at least Python's.
 * Forked from this small program, the clock covers one fork, the exec
 * and the command, and the peak is the command's (this program's own
 * image is ~1 MiB, below any build's). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(const struct timeval *t)
{
	return (double)t->tv_sec + (double)t->tv_usec / 1e6;
}

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: bench-timeit RESULT STDOUT STDERR COMMAND [ARG...]\n");
		return 2;
	}
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || err < 0) {
		fprintf(stderr, "bench-timeit: %s: %s\n", out < 0 ? argv[2] : argv[3],
			strerror(errno));
		return 2;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "bench-timeit: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		/* dup2 clears FD_CLOEXEC on the copies */
		if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		execvp(argv[4], argv + 4);
		fprintf(stderr, "bench-timeit: %s: %s\n", argv[4], strerror(errno));
		_exit(127);
	}
	int st;
	struct rusage ru;
	pid_t got;
	while ((got = wait4(pid, &st, 0, &ru)) < 0 && errno == EINTR)
		;
	double wall = since(&t0);
	if (got < 0) {
		fprintf(stderr, "bench-timeit: wait4: %s\n", strerror(errno));
		return 2;
	}
	FILE *f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%.4f %.4f %.4f %ld\n", wall, seconds(&ru.ru_utime),
			  seconds(&ru.ru_stime), ru.ru_maxrss) < 0 || fclose(f) != 0) {
		fprintf(stderr, "bench-timeit: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
