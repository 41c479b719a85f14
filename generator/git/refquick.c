/* refquick.c - see refquick.h. Formats: git's Documentation/
 * gitrepository-layout.txt (HEAD, refs/, packed-refs, commondir, the .git
 * file), gitrevisions(7) for the order in which a name is looked up. */
#include "refquick.h"
#include "../util/buf.h"
#include "../util/digest.h"
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* The file at path into b (reset first; at most b's maximum), when it
 * is a regular file and not a symbolic link, as git writes its
 * references. 0, or -1 with *missing set when it is not there. */
static int read_file(struct buf *b, const char *path, bool *missing)
{
	struct stat st;
	buf_reset(b);
	*missing = false;
	if (lstat(path, &st) < 0) {
		*missing = errno == ENOENT || errno == ENOTDIR;
		return -1;
	}
	return S_ISREG(st.st_mode) ? buf_read_file(b, path) : -1;
}

/* Does b hold text without a NUL inside? */
static bool text(const struct buf *b)
{
	return b->data && strlen(b->data) == b->len;
}

static int join(char *out, size_t n, const char *dir, const char *name)
{
	int w = snprintf(out, n, "%s/%s", dir, name);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

struct repo {
	char git[PATH_MAX];     /* HEAD and the per-worktree files */
	char common[PATH_MAX];  /* refs/ and packed-refs */
	struct buf loose;       /* the reference file read last */
	struct buf packed;      /* packed-refs, read once when first needed */
	int packed_state;       /* 0 not read yet, 1 read, -1 missing, -2 unreadable */
};

/* The contents of a one-line file naming a directory ("gitdir: x",
 * commondir), resolved against base. */
static int dir_line(struct repo *r, const char *path, const char *prefix, const char *base,
		    char *out, size_t n)
{
	bool missing;
	if (read_file(&r->loose, path, &missing) < 0 || !text(&r->loose))
		return -1;
	char *s = r->loose.data;
	size_t len = r->loose.len, pl = strlen(prefix);
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len <= pl || strncmp(s, prefix, pl) != 0 || memchr(s, '\n', len))
		return -1;
	const char *d = s + pl;
	int w = d[0] == '/' ? snprintf(out, n, "%s", d) : snprintf(out, n, "%s/%s", base, d);
	return w < 0 || (size_t)w >= n ? -1 : 0;
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
		   dir_line(r, dotgit, "gitdir: ", root, r->git, sizeof r->git) < 0) {
		return -1;
	}
	if (join(path, sizeof path, r->git, "commondir") < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (dir_line(r, path, "", r->git, r->common, sizeof r->common) < 0)
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
static int read_ref(struct repo *r, const char *name, char id[41])
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
		bool missing;
		if (read_file(&r->loose, path, &missing) == 0) {
			char target[NAME_MAX_LEN + 1];
			int k = text(&r->loose) ? refquick_parse_loose(r->loose.data, r->loose.len,
								       id, target, sizeof target) : 0;
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
		if (!r->packed_state) {
			if (join(path, sizeof path, r->common, "packed-refs") < 0)
				return -1;
			r->packed_state = read_file(&r->packed, path, &missing) == 0 ? 1 :
					  missing ? -1 : -2;
		}
		if (r->packed_state < 0)
			return r->packed_state == -1 ? 0 : -1;
		/* absent (0), or a packed-refs this reader cannot vouch for (-1) */
		return text(&r->packed) ? refquick_parse_packed(r->packed.data, r->packed.len,
							       cur, id) : -1;
	}
	return -1;      /* a chain too long, or a loop */
}

/* Does a reference of this name exist (loose or packed), or can it not
 * be told? */
static bool may_exist(struct repo *r, const char *name)
{
	char id[41];
	return read_ref(r, name, id) != 0;
}

/* refquick_resolve in the repository found. */
static int resolve_in(struct repo *r, const char *rev, char id[41])
{
	if (is_hex40(rev, strlen(rev))) {
		memcpy(id, rev, 41);
		return 1;
	}
	if (strcmp(rev, "HEAD") == 0 || strncmp(rev, "refs/", 5) == 0)
		return read_ref(r, rev, id) == 1;
	/* a bare name: git tries .git/<name>, refs/<name> and refs/tags/<name>
	 * before refs/heads/<name>; any of them there leaves it to libgit2 */
	char name[NAME_MAX_LEN + 1], path[PATH_MAX];
	struct stat st;
	if (snprintf(name, sizeof name, "refs/%s", rev) >= (int)sizeof name ||
	    !plain_ref(name, strlen(name)))
		return 0;
	if (join(path, sizeof path, r->git, rev) < 0 || lstat(path, &st) == 0 ||
	    join(path, sizeof path, r->common, rev) < 0 || lstat(path, &st) == 0 ||
	    may_exist(r, name))
		return 0;
	if (snprintf(name, sizeof name, "refs/tags/%s", rev) >= (int)sizeof name ||
	    may_exist(r, name))
		return 0;
	if (snprintf(name, sizeof name, "refs/heads/%s", rev) >= (int)sizeof name)
		return 0;
	return read_ref(r, name, id) == 1;
}

static bool redirected(void)
{
	for (size_t i = 0; i < sizeof git_env / sizeof *git_env; i++)
		if (getenv(git_env[i]))
			return true;
	return false;
}

int refquick_resolve_dirs(const char *root, const char *rev, char id[41], char *git,
			  size_t git_size, char *common, size_t common_size)
{
	if (redirected())
		return 0;
	struct repo r;
	r.packed_state = 0;
	buf_init(&r.loose, LOOSE_MAX);
	buf_init(&r.packed, PACKED_MAX);
	int rc = find_repo(root, &r) == 0 ? resolve_in(&r, rev, id) : 0;
	if (rc == 1 && git) {
		int w1 = snprintf(git, git_size, "%s", r.git);
		int w2 = snprintf(common, common_size, "%s", r.common);
		if (w1 < 0 || (size_t)w1 >= git_size || w2 < 0 || (size_t)w2 >= common_size)
			rc = 0;
	}
	buf_free(&r.loose);
	buf_free(&r.packed);
	return rc;
}

int refquick_resolve(const char *root, const char *rev, char id[41])
{
	return refquick_resolve_dirs(root, rev, id, NULL, 0, NULL, 0);
}
