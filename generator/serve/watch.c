/* watch.c - see watch.h. inotify watches one directory each, so a tree
 * needs one watch per directory, and a directory created later must be
 * added when its IN_CREATE arrives. */
#include "watch.h"
#include "../util/arena.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | \
	      IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
#define MAX_DIRS 20000          /* far more than content/ and themes/ have */

struct wdir {
	int wd;
	char *path;
};

struct watch {
	int fd;
	struct wdir *v;
	size_t n, cap;
};

static void remember(struct watch *w, int wd, const char *path)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].wd == wd) {         /* same directory again */
			free(w->v[i].path);
			w->v[i].path = xstrdup(path);
			return;
		}
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = xrealloc(w->v, w->cap * sizeof *w->v);
	}
	w->v[w->n].wd = wd;
	w->v[w->n].path = xstrdup(path);
	w->n++;
}

static void forget(struct watch *w, int wd)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].wd == wd) {
			free(w->v[i].path);
			w->v[i] = w->v[--w->n];
			return;
		}
}

static const char *path_of(const struct watch *w, int wd)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].wd == wd)
			return w->v[i].path;
	return NULL;
}

/* Watch dir and every directory below it. Missing: fine (0). */
static int add_tree(struct watch *w, const char *dir)
{
	if (w->n >= MAX_DIRS) {
		fprintf(stderr, "sitegen serve: more than %d directories to watch\n",
			MAX_DIRS);
		return -1;
	}
	int wd = inotify_add_watch(w->fd, dir, MASK);
	if (wd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		fprintf(stderr, "sitegen serve: cannot watch %s: %s%s\n", dir,
			strerror(errno), errno == ENOSPC ?
			" (raise fs.inotify.max_user_watches)" : "");
		return -1;
	}
	remember(w, wd, dir);
	DIR *d = opendir(dir);
	if (!d)
		return 0;       /* gone again; its IN_DELETE_SELF follows */
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[4096];
		int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof path)
			continue;
		int isdir = e->d_type == DT_DIR;
		if (e->d_type == DT_UNKNOWN) {
			struct stat st;
			isdir = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
		}
		if (isdir)
			rc = add_tree(w, path);
	}
	closedir(d);
	return rc;
}

struct watch *watch_open(const char *const *dirs, size_t n)
{
	struct watch *w = xcalloc(1, sizeof *w);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		perror("sitegen serve: inotify_init1");
		free(w);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (add_tree(w, dirs[i]) < 0) {
			watch_close(w);
			return NULL;
		}
	return w;
}

int watch_fd(const struct watch *w)
{
	return w->fd;
}

/* Editors' swap, backup and probe files are not changes to the site. */
static int ignored(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '.' || (n && name[n - 1] == '~') ||
	       (n > 4 && (strcmp(name + n - 4, ".swp") == 0 ||
			  strcmp(name + n - 4, ".swx") == 0)) ||
	       strcmp(name, "4913") == 0;
}

static int event(struct watch *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		return 1;       /* lost events: rebuild to be safe */
	if (ev->mask & IN_IGNORED) {
		forget(w, ev->wd);
		return 0;
	}
	const char *name = ev->len ? ev->name : "";
	if (*name && ignored(name))
		return 0;
	const char *parent = path_of(w, ev->wd);
	if (parent && *name && (ev->mask & IN_ISDIR) &&
	    (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
		char path[4096];
		int n = snprintf(path, sizeof path, "%s/%s", parent, name);
		if (n > 0 && (size_t)n < sizeof path)
			add_tree(w, path);      /* a failure only loses watches */
	}
	return 1;
}

int watch_read(struct watch *w)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	int changes = 0;
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n <= 0)
			break;          /* EAGAIN: all read */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			changes += event(w, ev);
			p += sizeof *ev + ev->len;
		}
	}
	return changes;
}

void watch_close(struct watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].path);
	free(w->v);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}
