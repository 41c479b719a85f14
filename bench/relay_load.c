/* relay_load - a small HTTP/1.1 load generator for bench/relay.sh.
 *
 *   relay_load PORT PATH BODYFILE CONTENT-TYPE ORIGIN CONNECTIONS SECONDS
 *
 * Opens CONNECTIONS keep-alive connections to 127.0.0.1:PORT (one thread
 * each), posts BODYFILE again and again for SECONDS, and prints one line:
 *   requests=N ok303=N other=N errors=N seconds=S rate=R p50_ms=X p99_ms=Y max_ms=Z
 * Latency is from the first byte sent to the last byte of the answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct shared {
	int port;
	const char *req;
	size_t req_len;
	double end;
};

struct worker {
	pthread_t th;
	struct shared *sh;
	double *lat;
	size_t n, cap;
	unsigned long ok, other, errors;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one response; returns the status, -1 on error. *close_after set
 * when the server says Connection: close. */
static int read_response(int fd, char *buf, size_t cap, int *close_after)
{
	size_t len = 0;
	char *hend = NULL;
	while (!hend) {
		if (len == cap - 1)
			return -1;
		ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = '\0';
		hend = strstr(buf, "\r\n\r\n");
	}
	int status = atoi(buf + 9);
	size_t clen = 0;
	*close_after = 0;
	for (char *l = strstr(buf, "\r\n"); l && l < hend; l = strstr(l + 2, "\r\n")) {
		if (!strncasecmp(l + 2, "Content-Length:", 15))
			clen = strtoul(l + 17, NULL, 10);
		if (!strncasecmp(l + 2, "Connection: close", 17))
			*close_after = 1;
	}
	size_t have = len - (size_t)(hend + 4 - buf);
	while (have < clen) {
		ssize_t r = recv(fd, buf, cap - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	return status;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	char *buf = malloc(65536);
	int fd = -1;
	while (now() < sh->end) {
		if (fd < 0 && (fd = connect_to(sh->port)) < 0) {
			w->errors++;
			usleep(1000);
			continue;
		}
		double t0 = now();
		int close_after = 0;
		int st = send_all(fd, sh->req, sh->req_len) < 0 ? -1 :
			 read_response(fd, buf, 65536, &close_after);
		double t1 = now();
		if (st < 0) {
			w->errors++;
			close(fd);
			fd = -1;
			continue;
		}
		if (st == 303)
			w->ok++;
		else
			w->other++;
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
			if (!w->lat)
				abort();
		}
		w->lat[w->n++] = (t1 - t0) * 1000.0;
		if (close_after) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: relay_load PORT PATH BODYFILE CONTENT-TYPE ORIGIN CONNECTIONS SECONDS\n");
		return 2;
	}
	FILE *f = fopen(argv[3], "rb");
	if (!f) {
		perror(argv[3]);
		return 1;
	}
	static char body[1 << 20];
	size_t blen = fread(body, 1, sizeof body, f);
	fclose(f);
	size_t cap = blen + 1024;
	char *req = malloc(cap);
	int hl = snprintf(req, cap, "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nOrigin: %s\r\n"
			  "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
			  argv[2], argv[1], argv[5], argv[4], blen);
	if (hl < 0 || (size_t)hl + blen >= cap)
		return 1;
	memcpy(req + hl, body, blen);
	struct shared sh = { atoi(argv[1]), req, (size_t)hl + blen, 0 };
	int nconn = atoi(argv[6]);
	double secs = atof(argv[7]);
	struct worker *w = calloc((size_t)nconn, sizeof *w);
	double start = now();
	sh.end = start + secs;
	for (int i = 0; i < nconn; i++) {
		w[i].sh = &sh;
		if (pthread_create(&w[i].th, NULL, run, &w[i]) != 0)
			return 1;
	}
	size_t total = 0;
	unsigned long ok = 0, other = 0, errors = 0;
	for (int i = 0; i < nconn; i++) {
		pthread_join(w[i].th, NULL);
		total += w[i].n;
		ok += w[i].ok;
		other += w[i].other;
		errors += w[i].errors;
	}
	double elapsed = now() - start;
	double *all = malloc((total + 1) * sizeof *all);
	size_t k = 0;
	for (int i = 0; i < nconn; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
		k += w[i].n;
		free(w[i].lat);
	}
	qsort(all, total, sizeof *all, cmp);
	double p50 = total ? all[total / 2] : 0, p99 = total ? all[(size_t)(total * 0.99)] : 0;
	double mx = total ? all[total - 1] : 0;
	printf("requests=%zu ok303=%lu other=%lu errors=%lu seconds=%.2f rate=%.0f "
	       "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", total, ok, other, errors,
	       elapsed, ok / elapsed, p50, p99, mx);
	free(all);
	free(w);
	free(req);
	return fflush(stdout) == 0 ? 0 : 1;
}
