/* history_bench.c - time the "Stand" date computation the way a build does
 * it: open the revision as a source, list every file under content/ and
 * themes/, and compute their last-change dates in one history walk.
 * Usage: history-bench [-d] REPO [REV]. Prints one line of timings in ms
 * (wall, and cpu of all threads);
 * with -d first "<time> <path>" for every file (to compare with git log). */
#include "../generator/git/git_source.h"
#include "../generator/git/history.h"
#include "../generator/util/arena.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct paths {
	char **v;
	size_t n, cap;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* cpu time of the process so far (all threads: the walk uses several) */
static double cpu_ms(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int collect(struct source *s, const char *dir, struct paths *p)
{
	struct source_entry *v;
	size_t n;
	if (s->list(s, dir, &v, &n) < 0)
		return errno == ENOENT ? 0 : -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *path = xmalloc(strlen(dir) + strlen(v[i].name) + 2);
		sprintf(path, "%s/%s", dir, v[i].name);
		if (v[i].is_dir) {
			rc = collect(s, path, p);
			free(path);
			continue;
		}
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 1024;
			p->v = xrealloc(p->v, p->cap * sizeof *p->v);
		}
		p->v[p->n++] = path;
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	return rc;
}

int main(int argc, char **argv)
{
	int dump = argc > 1 && strcmp(argv[1], "-d") == 0;
	argv += dump;
	argc -= dump;
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: history-bench [-d] REPO [REV]\n");
		return 2;
	}
	struct diags d;
	diags_init(&d);
	double t0 = now_ms();
	struct source *s = source_git_open(argv[1], argc > 2 ? argv[2] : "HEAD", &d);
	if (!s) {
		diags_print(&d, stderr);
		return 1;
	}
	struct paths p = {0};
	if (collect(s, "content", &p) < 0 || collect(s, "themes", &p) < 0) {
		fprintf(stderr, "history-bench: cannot list files: %s\n", strerror(errno));
		return 1;
	}
	double t1 = now_ms(), c1 = cpu_ms();
	struct history *h = history_compute(source_git_objects(s), source_git_is_shallow(s),
					    source_git_commit(s),
					    (const char *const *)p.v, p.n, &d);
	double t2 = now_ms(), c2 = cpu_ms();
	if (!h) {
		diags_print(&d, stderr);
		return 1;
	}
	size_t unknown = 0;
	for (size_t i = 0; i < p.n; i++) {
		unknown += history_time(h, p.v[i]) == 0;
		if (dump)
			printf("%lld %s\n", history_time(h, p.v[i]), p.v[i]);
	}
	printf("history: %zu files, %zu commits walked, %zu unknown: "
	       "list %.0f ms, history %.0f ms (cpu %.0f ms)\n", p.n,
	       history_commits_walked(h), unknown, t1 - t0, t2 - t1, c2 - c1);
	history_free(h);
	for (size_t i = 0; i < p.n; i++)
		free(p.v[i]);
	free(p.v);
	s->close(s);
	diags_free(&d);
	return unknown ? 1 : 0;
}
