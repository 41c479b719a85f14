/* relay_fsync - the disk's floor for durable answers: appends 8 KiB and
 * fdatasync()s in a loop for SECONDS and prints p50/p99/max latency.
 * No design can acknowledge a durable write faster than this.
 *
 *   relay_fsync FILE SECONDS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: relay_fsync FILE SECONDS\n");
		return 2;
	}
	int fd = open(argv[1], O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	static char buf[8192];
	static double lat[100000];
	size_t n = 0;
	double end = now() + atof(argv[2]);
	while (now() < end && n < sizeof lat / sizeof lat[0]) {
		double t = now();
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fdatasync(fd) != 0) {
			perror("write/fdatasync");
			return 1;
		}
		lat[n++] = (now() - t) * 1000.0;
	}
	close(fd);
	unlink(argv[1]);
	if (!n)
		return 1;
	qsort(lat, n, sizeof lat[0], cmp);
	printf("fdatasync: %zu in %ss, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", n, argv[2],
	       lat[n / 2], lat[n * 99 / 100], lat[n - 1]);
	return fflush(stdout) == 0 ? 0 : 1;
}
