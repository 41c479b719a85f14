/* write_floor.c - the write floor of a build: the cost of writing a site's
 * file tree (the same paths, sizes and bytes) from memory, with no
 * rendering at all. bench/run compares sitegen's full build with it.
 *
 * Usage: write-floor [-j N] SITE OUT
 * Reads every regular file below SITE (dot files such as .sitegen-cache
 * left out) into memory, then creates OUT and writes the tree there with N
 * threads (default 1): mkdir of each directory, then open/write/close of
 * each file, as a careful writer would. Only the writing is timed; prints
 * "write floor: F files, B bytes, S s". OUT must not exist. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PATH_CAP 4096

struct file {
	char *rel;
	char *data;
	size_t len;
};

struct tree {
	struct file *f;
	size_t n, cap;
	char **dirs;            /* relative, parents before children */
	size_t n_dirs, cap_dirs;
	size_t bytes;
};

static void fail(const char *what, const char *path)
{
	fprintf(stderr, "write-floor: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fprintf(stderr, "write-floor: out of memory\n");
		exit(1);
	}
	return q;
}

static char *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		fail("cannot read", path);
	char *d = xrealloc(NULL, (size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, d + got, (size_t)st.st_size - got);
		if (r <= 0)
			fail("cannot read", path);
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return d;
}

static void load(struct tree *t, const char *root, const char *rel)
{
	char path[PATH_CAP];
	int w = snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	if (w < 0 || (size_t)w >= sizeof path)
		fail("path too long", rel);
	DIR *d = opendir(path);
	if (!d)
		fail("cannot open", path);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[PATH_CAP], full[PATH_CAP];
		w = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		int w2 = snprintf(full, sizeof full, "%s/%s", root, sub);
		if (w < 0 || (size_t)w >= sizeof sub || w2 < 0 || (size_t)w2 >= sizeof full)
			fail("path too long", e->d_name);
		struct stat st;
		if (lstat(full, &st) < 0)
			fail("cannot stat", full);
		if (S_ISDIR(st.st_mode)) {
			if (t->n_dirs == t->cap_dirs) {
				t->cap_dirs = t->cap_dirs ? 2 * t->cap_dirs : 64;
				t->dirs = xrealloc(t->dirs, t->cap_dirs * sizeof *t->dirs);
			}
			t->dirs[t->n_dirs++] = strdup(sub);
			load(t, root, sub);
		} else if (S_ISREG(st.st_mode)) {
			if (t->n == t->cap) {
				t->cap = t->cap ? 2 * t->cap : 1024;
				t->f = xrealloc(t->f, t->cap * sizeof *t->f);
			}
			struct file *f = &t->f[t->n++];
			f->rel = strdup(sub);
			f->data = read_all(full, &f->len);
			t->bytes += f->len;
		}
	}
	closedir(d);
}

struct job {
	const struct tree *t;
	const char *out;
	atomic_size_t next;
};

static void *writer(void *arg)
{
	struct job *j = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		if (i >= j->t->n)
			return NULL;
		const struct file *f = &j->t->f[i];
		char path[PATH_CAP];
		int w = snprintf(path, sizeof path, "%s/%s", j->out, f->rel);
		if (w < 0 || (size_t)w >= sizeof path)
			fail("path too long", f->rel);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			fail("cannot create", path);
		size_t done = 0;
		while (done < f->len) {
			ssize_t r = write(fd, f->data + done, f->len - done);
			if (r <= 0)
				fail("cannot write", path);
			done += (size_t)r;
		}
		if (close(fd) < 0)
			fail("cannot close", path);
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int threads = 1, a = 1;
	if (argc > 2 && strcmp(argv[1], "-j") == 0) {
		threads = atoi(argv[2]);
		a = 3;
	}
	if (argc - a != 2 || threads < 1 || threads > 16) {
		fprintf(stderr, "usage: write-floor [-j N] SITE OUT\n");
		return 2;
	}
	const char *site = argv[a], *out = argv[a + 1];
	struct tree t = { 0 };
	load(&t, site, "");
	double t0 = now_s();
	if (mkdir(out, 0755) < 0)
		fail("cannot create", out);
	for (size_t i = 0; i < t.n_dirs; i++) {
		char path[PATH_CAP];
		int w = snprintf(path, sizeof path, "%s/%s", out, t.dirs[i]);
		if (w < 0 || (size_t)w >= sizeof path || mkdir(path, 0755) < 0)
			fail("cannot create", t.dirs[i]);
	}
	struct job j = { .t = &t, .out = out };
	atomic_init(&j.next, 0);
	pthread_t tid[16];
	int started = 0;
	for (int i = 1; i < threads; i++, started++)
		if (pthread_create(&tid[i], NULL, writer, &j) != 0)
			break;
	writer(&j);
	for (int i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	double s = now_s() - t0;
	printf("write floor: %zu files, %zu bytes, %.4f s\n", t.n, t.bytes, s);
	for (size_t i = 0; i < t.n; i++) {
		free(t.f[i].rel);
		free(t.f[i].data);
	}
	for (size_t i = 0; i < t.n_dirs; i++)
		free(t.dirs[i]);
	free(t.f);
	free(t.dirs);
	return fflush(stdout) != 0 || ferror(stdout) ? 1 : 0;
}
