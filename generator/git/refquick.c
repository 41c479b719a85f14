/* refquick.c - see refquick.h. Formats: git's Documentation/
 * gitrepository-layout.txt (HEAD, refs/, packed-refs, commondir, the .git
 * file), gitrevisions(7) for the order in which a name is looked up. */
#include "refquick.h"
#include "../util/digest.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOOSE_MAX 4096              /* a loose reference is 41 bytes */
#define PACKED_MAX ((size_t)16 << 20)
#define HOPS_MAX 5                  /* symbolic references followed */
#define NAME_MAX_LEN 1024

/* Environment that makes git look elsewhere than <root>/.git. */
static const char *const git_env[] = {
	"GIT_DIR", "GIT_COMMON_DIR", "GIT_WORK_TREE", "GIT_NAMESPACE",
	"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
	"GIT_REF_PARANOIA",
};

static bool is_hex40(const char *s, size_t len)
{
	return len == DIGEST_HEX - 1 && digest_is_hex(s);
}

/* Does s[0..len) start with prefix? (s need not end in a NUL.) */
static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* A reference name this reader handles: "refs/" and then components of
 * letters, digits and ._- (git allows more; those go to libgit2). */
static bool plain_ref(const char *s, size_t len)
{
	if (len <= 5 || len > NAME_MAX_LEN || !starts(s, len, "refs/"))
		return false;
	bool start = true;
	for (size_t i = 5; i < len; i++) {
		char c = s[i];
		if (c == '/') {
			if (start)
				return false;   /* "//" */
			start = true;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
		if (c == '.' && (start || s[i - 1] == '.'))
			return false;   /* a component starting with '.', "..": git refuses */
		start = false;
	}
	if (start || s[len - 1] == '.' || (len >= 5 && memcmp(s + len - 5, ".lock", 5) == 0))
		return false;
	/* per worktree, not in the common directory */
	return !starts(s, len, "refs/worktree/") && !starts(s, len, "refs/bisect/") &&
	       !starts(s, len, "refs/rewritten/");
}

int refquick_parse_loose(const char *data, size_t len, char id[41],
			 char *target, size_t target_size)
{
	if (len > 0 && data[len - 1] == '\n')
		len--;
	if (is_hex40(data, len)) {
		memcpy(id, data, 40);
		id[40] = '\0';
		return 1;
	}
	if (len > 5 && memcmp(data, "ref: ", 5) == 0 && plain_ref(data + 5, len - 5) &&
	    len - 5 < target_size) {
		memcpy(target, data + 5, len - 5);
		target[len - 5] = '\0';
		return 2;
	}
	return 0;
}

int refquick_parse_packed(const char *data, size_t len, const char *name, char id[41])
{
	size_t nlen = strlen(name);
	const char *p = data, *end = data + len;
	int found = 0;
	if (len == 0 || data[len - 1] != '\n')
		return -1;      /* cut short: not trusted */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)(nl - p);
		if (l > 0 && p[0] == '#') {
			/* the header; only at the top */
			if (p != data || !starts(p, l, "# pack-refs with:"))
				return -1;
		} else if (l == 41 && p[0] == '^') {
			if (!is_hex40(p + 1, 40))
				return -1;      /* the peeled id of the tag above */
		} else if (l > 41 && is_hex40(p, 40) && p[40] == ' ') {
			if (l - 41 == nlen && memcmp(p + 41, name, nlen) == 0) {
				if (found)
					return -1;      /* twice: damaged */
				memcpy(id, p, 40);
				id[40] = '\0';
				found = 1;
			}
		} else {
			return -1;
		}
		p = nl + 1;
	}
	return found;
}

/* The whole file at path, at most max bytes, NUL-terminated (free it);
 * NULL when missing, unreadable or bigger. *missing: it is not there. */
static char *slurp(const char *path, size_t max, size_t *len, bool *missing)
{
	*missing = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*missing = errno == ENOENT || errno == ENOTDIR;
		return NULL;
	}
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size <= max) {
		size_t want = (size_t)st.st_size, got = 0;
		buf = malloc(want + 1);
		while (buf && got < want) {
			ssize_t n = read(fd, buf + got, want - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (buf && got == want) {
			buf[got] = '\0';
			*len = got;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	return buf;
}

static int join(char *out, size_t n, const char *dir, const char *name)
{
	int w = snprintf(out, n, "%s/%s", dir, name);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

struct repo {
	char git[PATH_MAX];     /* HEAD and the per-worktree files */
	char common[PATH_MAX];  /* refs/ and packed-refs */
};

/* The contents of a one-line file naming a directory ("gitdir: x",
 * commondir), resolved against base. */
static int dir_line(const char *path, const char *prefix, const char *base,
		    char *out, size_t n)
{
	size_t len;
	bool missing;
	char *s = slurp(path, LOOSE_MAX, &len, &missing);
	if (!s)
		return -1;
	size_t pl = strlen(prefix);
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	int rc = -1;
	if (len > pl && strncmp(s, prefix, pl) == 0 && !memchr(s, '\n', len) &&
	    strlen(s) == len) {
		const char *d = s + pl;
		int w = d[0] == '/' ? snprintf(out, n, "%s", d) : snprintf(out, n, "%s/%s", base, d);
		rc = w < 0 || (size_t)w >= n ? -1 : 0;
	}
	free(s);
	return rc;
}

static int find_repo(const char *root, struct repo *r)
{
	char dotgit[PATH_MAX], path[PATH_MAX];
	struct stat st;
	if (join(dotgit, sizeof dotgit, root, ".git") < 0 || lstat(dotgit, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		if (snprintf(r->git, sizeof r->git, "%s", dotgit) >= (int)sizeof r->git)
			return -1;
	} else if (!S_ISREG(st.st_mode) ||
		   dir_line(dotgit, "gitdir: ", root, r->git, sizeof r->git) < 0) {
		return -1;
	}
	if (join(path, sizeof path, r->git, "commondir") < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (dir_line(path, "", r->git, r->common, sizeof r->common) < 0)
			return -1;
	} else if (errno != ENOENT ||
		   snprintf(r->common, sizeof r->common, "%s", r->git) >= (int)sizeof r->common) {
		return -1;
	}
	/* another reference store than files and packed-refs */
	if (join(path, sizeof path, r->common, "reftable") < 0 || lstat(path, &st) == 0)
		return -1;
	return 0;
}

/* Read reference name (in dir: HEAD in r->git, refs in r->common),
 * following symbolic references. 1 with id, 0 when it does not exist,
 * -1 when it is not in a form read here. */
static int read_ref(const struct repo *r, const char *name, char id[41])
{
	char cur[NAME_MAX_LEN + 1], path[PATH_MAX];
	if (snprintf(cur, sizeof cur, "%s", name) >= (int)sizeof cur)
		return -1;
	for (int hop = 0; hop <= HOPS_MAX; hop++) {
		bool head = strcmp(cur, "HEAD") == 0;
		if (!head && !plain_ref(cur, strlen(cur)))
			return -1;
		if (join(path, sizeof path, head ? r->git : r->common, cur) < 0)
			return -1;
		size_t len;
		bool missing;
		char *s = slurp(path, LOOSE_MAX, &len, &missing);
		if (s) {
			char target[NAME_MAX_LEN + 1];
			int k = strlen(s) == len ? refquick_parse_loose(s, len, id, target, sizeof target) : 0;
			free(s);
			if (k == 1)
				return 1;
			if (k != 2)
				return -1;
			memcpy(cur, target, strlen(target) + 1);
			continue;
		}
		if (!missing || head)
			return -1;
		/* not loose: packed-refs, or nowhere */
		if (join(path, sizeof path, r->common, "packed-refs") < 0)
			return -1;
		s = slurp(path, PACKED_MAX, &len, &missing);
		if (!s)
			return missing ? 0 : -1;
		/* absent (0), or a packed-refs this reader cannot vouch for (-1) */
		int k = strlen(s) == len ? refquick_parse_packed(s, len, cur, id) : -1;
		free(s);
		return k;
	}
	return -1;      /* a chain too long, or a loop */
}

/* Does a reference of this name exist (loose or packed), or can it not
 * be told? */
static bool may_exist(const struct repo *r, const char *name)
{
	char id[41];
	return read_ref(r, name, id) != 0;
}

int refquick_resolve(const char *root, const char *rev, char id[41])
{
	for (size_t i = 0; i < sizeof git_env / sizeof *git_env; i++)
		if (getenv(git_env[i]))
			return 0;
	size_t len = strlen(rev);
	struct repo r;
	if (find_repo(root, &r) < 0)
		return 0;
	if (is_hex40(rev, len)) {
		memcpy(id, rev, 41);
		return 1;
	}
	if (strcmp(rev, "HEAD") == 0 || strncmp(rev, "refs/", 5) == 0)
		return read_ref(&r, rev, id) == 1;
	/* a bare name: git tries .git/<name>, refs/<name> and refs/tags/<name>
	 * before refs/heads/<name>; any of them there leaves it to libgit2 */
	char name[NAME_MAX_LEN + 1], path[PATH_MAX];
	struct stat st;
	if (snprintf(name, sizeof name, "refs/%s", rev) >= (int)sizeof name ||
	    !plain_ref(name, strlen(name)))
		return 0;
	if (join(path, sizeof path, r.git, rev) < 0 || lstat(path, &st) == 0 ||
	    join(path, sizeof path, r.common, rev) < 0 || lstat(path, &st) == 0 ||
	    may_exist(&r, name))
		return 0;
	if (snprintf(name, sizeof name, "refs/tags/%s", rev) >= (int)sizeof name ||
	    may_exist(&r, name))
		return 0;
	if (snprintf(name, sizeof name, "refs/heads/%s", rev) >= (int)sizeof name)
		return 0;
	return read_ref(&r, name, id) == 1;
}
