/* git_source.c - see git_source.h.
 * The commit, its trees and blobs are read through objects.h (without
 * libgit2 where that is sure); libgit2 resolves a revision only when
 * refquick.h cannot. Every read resolves the path in its directory's
 * tree, and the source keeps each directory tree it looked up, parsed
 * (struct git_src.dirs). */
#include "git_source.h"
#include "gitutil.h"
#include "objects.h"
#include "refquick.h"
#include "../util/arena.h"
#include "../util/strmap.h"
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A directory's tree: its bytes, and its entries sorted bytewise by name
 * (git's order sorts a directory "a" as "a/"). */
struct gdir {
	unsigned char *bytes;
	size_t n;
	struct gittree_ent *v;
};

struct git_src {
	struct source base;
	struct objects *objs;
	git_repository *repo;   /* when libgit2 resolved the revision */
	git_oid tree_oid;       /* the revision's tree at prefix */
	struct gdir *root;
	git_oid commit_oid;
	int has_commit;
	int shallow;
	char *prefix;           /* "" or "sub/dir/" */
	char commit_hex[GIT_OID_HEXSZ + 1];
	char label[64];
	/* Directory trees by path below the prefix ("content/services" ->
	 * struct gdir *), each read once: a directory of 600 services is
	 * ~40 KiB, and libgit2's git_tree_entry_bypath inflated it again for
	 * every file in it (39 % of the cpu time of a one-commit --ref
	 * rebuild, before). As many entries as directories the build reads.
	 * Locked: worker threads may load a partial template. */
	struct strmap dirs;
	pthread_mutex_t lock;
};

/* Most directories kept (a tree with more is read without the map). */
#define DIRS_MAX 4096
/* A tree's entries, at most (git's own limit on a directory is memory). */
#define DIR_ENTRIES_MAX 1000000

/* libgit2's reading of an entry's mode (git_tree_entry_filemode,
 * git_tree_entry_type), so that both ways read a tree alike. */
static unsigned norm_mode(unsigned m)
{
	if ((m & 0170000u) == 0040000u)
		return 0040000u;
	if (m & 0111u)
		return 0100755u;
	if ((m & 0170000u) == 0160000u)
		return 0160000u;
	if ((m & 0170000u) == 0120000u)
		return 0120000u;
	return 0100644u;
}

static struct git_src *gs_of(struct source *s);

static int ent_cmp(const void *a, const void *b)
{
	const struct gittree_ent *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static void gdir_free(struct gdir *t)
{
	if (!t)
		return;
	free(t->bytes);
	free(t->v);
	free(t);
}

/* Tree id read and parsed; NULL with errno (EIO: unreadable, not a
 * tree, or damaged). */
static struct gdir *gdir_load(struct objects *objs, const git_oid *id)
{
	struct gitobj o;
	char err[256];
	if (objects_get(objs, id, &o, err, sizeof err) < 0 || o.type != GIT_OBJECT_TREE) {
		if (o.data)
			objects_put(objs, &o);
		errno = EIO;
		return NULL;
	}
	struct gdir *t = xcalloc(1, sizeof *t);
	t->bytes = xmalloc(o.len ? o.len : 1);
	memcpy(t->bytes, o.data, o.len);
	const unsigned char *end = t->bytes + o.len, *p;
	objects_put(objs, &o);
	struct gittree_ent e;
	int r;
	size_t cap = 0;
	for (p = t->bytes; (r = gittree_next(&p, end, &e)) == 1;) {
		if (t->n == cap) {
			if (cap >= DIR_ENTRIES_MAX)
				break;
			cap = cap ? 2 * cap : 16;
			t->v = xrealloc(t->v, cap * sizeof *t->v);
		}
		t->v[t->n++] = e;
	}
	if (r != 0) {
		gdir_free(t);
		errno = EIO;
		return NULL;
	}
	qsort(t->v, t->n, sizeof *t->v, ent_cmp);
	return t;
}

/* The entry called name[0..len) in t, or NULL. */
static const struct gittree_ent *gdir_find(const struct gdir *t, const char *name, size_t len)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct gittree_ent *e = &t->v[mid];
		size_t n = e->nlen < len ? e->nlen : len;
		int c = memcmp(e->name, name, n);
		if (c == 0)
			c = e->nlen < len ? -1 : e->nlen > len;
		if (c == 0)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* "c/d" normalised, with "." and "" meaning the root; rejects "..", empty
 * segments and absolute paths, which a tree lookup would not understand
 * anyway but which must not silently mean something else. */
static int clean_path(const char *path, char *out, size_t cap)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (strcmp(path, ".") == 0)
		path = "";
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (path[0] == '/')
		return -1;
	for (const char *p = path; p < path + n;) {
		const char *e = memchr(p, '/', (size_t)(path + n - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(path + n - p);
		if (len == 0 || (len == 2 && p[0] == '.' && p[1] == '.') ||
		    (len == 1 && p[0] == '.'))
			return -1;
		p += len + (e ? 1 : 0);
	}
	if (n >= cap)
		return -1;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

static void free_entries(struct source_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The tree of directory dir[0..len) (no trailing '/'; len 0 is the
 * root), owned by g; NULL with errno set (ENOENT, ENOTDIR, EIO). The
 * caller holds g->lock. */
static struct gdir *dir_tree(struct git_src *g, const char *dir, size_t len)
{
	if (len == 0)
		return g->root;
	struct strmap_slot *sl = strmap_get(&g->dirs, dir, len);
	if (sl)
		return sl->val;
	size_t cut = len;
	while (cut > 0 && dir[cut - 1] != '/')
		cut--;
	struct gdir *parent = dir_tree(g, dir, cut ? cut - 1 : 0);
	if (!parent)
		return NULL;
	const struct gittree_ent *e = gdir_find(parent, dir + cut, len - cut);
	if (!e) {
		errno = ENOENT;
		return NULL;
	}
	if (gittree_type(e->mode) != GIT_OBJECT_TREE) {
		errno = ENOTDIR;
		return NULL;
	}
	git_oid id;
	memcpy(id.id, e->id, GIT_OID_RAWSZ);
	struct gdir *t = gdir_load(g->objs, &id);
	if (!t)
		return NULL;
	bool added;
	sl = strmap_put(&g->dirs, dir, len, &added);
	if (!sl) {      /* more than DIRS_MAX directories: nobody would free it */
		gdir_free(t);
		errno = EIO;
		return NULL;
	}
	sl->val = t;
	return t;
}

/* What a lookup finds: an entry's mode and id, or the root. */
struct found {
	int is_root;
	unsigned mode;
	git_oid id;
};

/* The entry at path: 0, or -1 with errno set (ENOENT, EINVAL, EIO). An
 * empty path is the root tree (f->is_root). */
static int lookup(struct git_src *g, const char *path, struct found *f)
{
	char full[PATH_MAX];
	memset(f, 0, sizeof *f);
	if (clean_path(path, full, sizeof full) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (full[0] == '\0') {
		f->is_root = 1;
		return 0;
	}
	const char *slash = strrchr(full, '/');
	size_t dlen = slash ? (size_t)(slash - full) : 0;
	const char *name = slash ? slash + 1 : full;
	int err = 0;
	pthread_mutex_lock(&g->lock);
	struct gdir *t = dir_tree(g, full, dlen);
	if (!t) {
		err = errno == ENOTDIR ? ENOENT : errno;
	} else {
		const struct gittree_ent *e = gdir_find(t, name, strlen(name));
		if (!e) {
			err = ENOENT;
		} else {
			f->mode = e->mode;
			memcpy(f->id.id, e->id, GIT_OID_RAWSZ);
		}
	}
	pthread_mutex_unlock(&g->lock);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* The entry of a file (or link); the root is a directory: EISDIR. */
static int lookup_file(struct git_src *g, const char *path, struct found *f)
{
	if (lookup(g, path, f) < 0)
		return -1;
	if (f->is_root) {
		errno = EISDIR;
		return -1;
	}
	return 0;
}

static int gs_read(struct source *s, const char *path, struct buf *out)
{
	struct git_src *g = gs_of(s);
	struct found f;
	if (lookup_file(g, path, &f) < 0)
		return -1;
	unsigned mode = norm_mode(f.mode);
	if (mode == 0040000u) {
		errno = EISDIR;
		return -1;
	}
	if (mode == 0120000u) {
		/* A symlink would be read as its target's name: refuse, like
		 * O_NOFOLLOW on the working tree. */
		errno = ELOOP;
		return -1;
	}
	if (mode != 0100644u && mode != 0100755u) {
		errno = ENOENT;         /* a submodule: no content here */
		return -1;
	}
	struct gitobj o;
	char err[256];
	if (objects_get(g->objs, &f.id, &o, err, sizeof err) < 0) {
		errno = EIO;
		return -1;
	}
	int rc = 0;
	if (o.type != GIT_OBJECT_BLOB) {
		errno = EIO;
		rc = -1;
	} else if (buf_append(out, o.data, o.len) < 0) {
		errno = EFBIG;
		rc = -1;
	}
	objects_put(g->objs, &o);
	return rc;
}

static int gs_list(struct source *s, const char *dir, struct source_entry **out,
		   size_t *n)
{
	struct git_src *g = gs_of(s);
	*out = NULL;
	*n = 0;
	char full[PATH_MAX];
	if (clean_path(dir, full, sizeof full) < 0) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&g->lock);
	struct gdir *t = dir_tree(g, full, strlen(full));
	int err = errno;
	struct source_entry *v = NULL;
	size_t k = 0;
	if (t) {
		v = xcalloc(t->n ? t->n : 1, sizeof *v);
		for (size_t i = 0; i < t->n; i++) {
			git_object_t type = gittree_type(t->v[i].mode);
			if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
				continue;       /* submodule */
			v[k].name = xstrdup(t->v[i].name);
			v[k].is_dir = type == GIT_OBJECT_TREE;
			k++;
		}
	}
	pthread_mutex_unlock(&g->lock);
	if (!t) {
		errno = err;
		return -1;
	}
	/* already bytewise (gdir_load) */
	if (k == 0) {
		free_entries(v, 0);
		v = NULL;
	}
	*out = v;
	*n = k;
	return 0;
}

static int gs_file_id(struct source *s, const char *path, char id[41])
{
	struct found f;
	if (lookup_file(gs_of(s), path, &f) < 0)
		return -1;
	if (gittree_type(f.mode) != GIT_OBJECT_BLOB) {
		errno = EISDIR;
		return -1;
	}
	gitoid_tohex(&f.id, id);
	return 0;
}

static void gs_close(struct source *s)
{
	struct git_src *g = gs_of(s);
	if (!g)
		return;
	struct strmap_slot *sl;
	for (size_t i = 0; (sl = strmap_next(&g->dirs, &i));)
		gdir_free(sl->val);
	strmap_free(&g->dirs);
	pthread_mutex_destroy(&g->lock);
	gdir_free(g->root);
	objects_close(g->objs);
	if (g->repo)
		git2.repository_free(g->repo);
	free(g->prefix);
	free(g);
}

static struct git_src *gs_of(struct source *s)
{
	if (!s || s->read != gs_read)
		return NULL;
	return (struct git_src *)s;
}

/* Where repo_path lies inside the work tree, as "sub/dir/" or "". */
static char *work_prefix(git_repository *repo, const char *repo_path)
{
	const char *wd = git2.repository_workdir(repo);
	char rp[PATH_MAX], rw[PATH_MAX], rg[PATH_MAX];
	if (!wd || !realpath(repo_path, rp) || !realpath(wd, rw))
		return xstrdup("");
	/* hooks run inside .git: that is the repository, not a subdir */
	if (realpath(git2.repository_path(repo), rg)) {
		size_t lg = strlen(rg);
		if (strncmp(rp, rg, lg) == 0 && (rp[lg] == '/' || rp[lg] == '\0'))
			return xstrdup("");
	}
	size_t lw = strlen(rw);
	if (strncmp(rp, rw, lw) != 0 || (rp[lw] != '/' && rp[lw] != '\0') ||
	    rp[lw] == '\0' || strcmp(rw, "/") == 0)
		return xstrdup("");
	size_t n = strlen(rp + lw + 1);
	char *p = xmalloc(n + 2);
	memcpy(p, rp + lw + 1, n);
	p[n] = '/';
	p[n + 1] = '\0';
	return p;
}

/* The entry called name in tree id, read without caching: 0 and its
 * mode and id; -1 when there is none, or the tree cannot be read. */
static int tree_entry(struct objects *objs, const git_oid *id, const char *name,
		      unsigned *mode, git_oid *out)
{
	struct gdir *t = gdir_load(objs, id);
	const struct gittree_ent *e = t ? gdir_find(t, name, strlen(name)) : NULL;
	if (e) {
		*mode = e->mode;
		memcpy(out->id, e->id, GIT_OID_RAWSZ);
	}
	gdir_free(t);
	return e ? 0 : -1;
}

/* The tree at g->prefix below root into g->tree_oid. */
static int subtree(struct git_src *g, const git_oid *root)
{
	git_oid id = *root;
	char *dir = xstrdup(g->prefix);
	int rc = 0;
	for (char *p = dir, *slash; rc == 0 && *p; p = slash + 1) {
		slash = strchr(p, '/');
		*slash = '\0';         /* the prefix ends in '/' */
		unsigned mode;
		rc = tree_entry(g->objs, &id, p, &mode, &id) < 0 ||
		     gittree_type(mode) != GIT_OBJECT_TREE ? -1 : 0;
	}
	free(dir);
	g->tree_oid = id;
	return rc;
}

static git_repository *open_repo(const char *repo_path, struct diags *d)
{
	git_repository *repo;
	if (gitutil_open(&repo, repo_path) < 0) {
		diag_add(d, repo_path, 0, 0, "not a git repository: %s",
			 gitutil_errmsg());
		return NULL;
	}
	return repo;
}

static struct git_src *new_src(void)
{
	struct git_src *g = xcalloc(1, sizeof *g);
	g->base.read = gs_read;
	g->base.list = gs_list;
	g->base.file_id = gs_file_id;
	g->base.close = gs_close;
	strmap_init(&g->dirs, DIRS_MAX);    /* gs_close frees them from here on */
	pthread_mutex_init(&g->lock, NULL);
	return g;
}

/* The label, the commit's hex and the root directory, once g's commit
 * and tree are known; -1 when the tree cannot be read. */
static int finish(struct git_src *g, const char *repo_path)
{
	g->root = gdir_load(g->objs, &g->tree_oid);
	if (!g->root)
		return -1;
	char hex[GIT_OID_HEXSZ + 1];
	if (g->has_commit) {
		gitoid_tohex(&g->commit_oid, g->commit_hex);
		snprintf(g->label, sizeof g->label, "commit %.7s", g->commit_hex);
		g->base.commit = g->commit_hex;
	} else {
		gitoid_tohex(&g->tree_oid, hex);
		snprintf(g->label, sizeof g->label, "tree %.7s", hex);
	}
	g->base.label = g->label;
	if (g->shallow)
		fprintf(stderr, "sitegen: warning: %s is a shallow clone; dates "
			"from history are incomplete (run git fetch --unshallow)\n",
			repo_path);
	return 0;
}

/* Does file dir/name exist with content (git's test for "shallow")? */
static bool nonempty(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int w = snprintf(path, sizeof path, "%s/%s", dir, name);
	return w > 0 && (size_t)w < sizeof path && stat(path, &st) == 0 && st.st_size > 0;
}

/* Does the repository's configuration name a work tree elsewhere
 * (core.worktree), per-worktree settings, or include other files (which
 * might)? Then libgit2 decides where the project lies in the tree. */
static bool worktree_config(const char *common)
{
	char path[PATH_MAX];
	struct buf b;
	int w = snprintf(path, sizeof path, "%s/config", common);
	if (w < 0 || (size_t)w >= sizeof path)
		return true;
	buf_init(&b, (size_t)1 << 20);
	bool yes = buf_read_file(&b, path) < 0 ? errno != ENOENT :
		   b.len && (memmem(b.data, b.len, "worktree", 8) || memmem(b.data, b.len, "include", 7));
	buf_free(&b);
	return yes;
}

/* The source without libgit2: rev as refquick.h resolves it, root a work
 * tree's top (so the prefix is ""), a commit or a tree. NULL when
 * anything is otherwise (an annotated tag, an object not read here): the
 * caller asks libgit2. */
static struct git_src *open_native(const char *repo_path, const char *rev)
{
	char hex[GIT_OID_HEXSZ + 1], gitdir[PATH_MAX], common[PATH_MAX];
	git_oid id;
	if (refquick_resolve_dirs(repo_path, rev, hex, gitdir, sizeof gitdir, common,
				  sizeof common) != 1 || gitoid_fromhex(hex, &id) < 0 ||
	    worktree_config(common))
		return NULL;
	struct git_src *g = new_src();
	g->prefix = xstrdup("");
	g->objs = objects_open(common, NULL, repo_path);
	g->shallow = nonempty(gitdir, "shallow") || nonempty(common, "shallow");
	struct gitobj o;
	char err[256];
	int ok = objects_get(g->objs, &id, &o, err, sizeof err) == 0;
	if (ok && o.type == GIT_OBJECT_COMMIT) {
		struct gitcommit c;
		ok = gitcommit_parse(o.data, o.len, &c) == 0;
		g->tree_oid = c.tree;
		g->commit_oid = id;
		g->has_commit = 1;
		g->base.commit_time = c.time;
	} else if (ok && o.type == GIT_OBJECT_TREE) {
		g->tree_oid = id;
	} else {
		ok = 0;
	}
	if (o.data)
		objects_put(g->objs, &o);
	if (!ok || finish(g, repo_path) < 0) {
		gs_close(&g->base);
		return NULL;
	}
	return g;
}

/* The source through libgit2: any revision it understands, a project in
 * a subdirectory, a hook's environment. */
static struct git_src *open_libgit2(const char *repo_path, const char *rev,
				    struct diags *d)
{
	gitutil_init();
	git_repository *repo = open_repo(repo_path, d);
	if (!repo)
		return NULL;
	git_object *obj = NULL, *peeled = NULL;
	if (git2.revparse_single(&obj, repo, rev) < 0) {
		diag_add(d, repo_path, 0, 0, "unknown revision '%s': %s", rev,
			 gitutil_errmsg());
		git2.repository_free(repo);
		return NULL;
	}
	struct git_src *g = new_src();
	g->repo = repo;
	if (git2.object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0) {
		const git_commit *c = (const git_commit *)peeled;
		g->commit_oid = *git2.commit_id(c);
		g->has_commit = 1;
		g->base.commit_time = (long long)git2.commit_time(c);
		git2.object_free(peeled);
		peeled = NULL;
	}
	if (git2.object_peel(&peeled, obj, GIT_OBJECT_TREE) < 0) {
		diag_add(d, repo_path, 0, 0, "revision '%s' is not a commit or tree: %s",
			 rev, gitutil_errmsg());
		git2.object_free(obj);
		gs_close(&g->base);
		return NULL;
	}
	git2.object_free(obj);
	git_oid root = *git2.tree_id((const git_tree *)peeled);
	git2.object_free(peeled);
	/* the objects natively too, libgit2 behind them */
	g->objs = objects_open(git2.repository_commondir(repo), repo, repo_path);
	g->prefix = work_prefix(repo, repo_path);
	if (subtree(g, &root) < 0) {
		size_t n = strlen(g->prefix);
		diag_add(d, repo_path, 0, 0, "directory '%.*s' does not exist in "
			 "revision '%s'", (int)(n ? n - 1 : 0), g->prefix, rev);
		gs_close(&g->base);
		return NULL;
	}
	g->shallow = git2.repository_is_shallow(repo) == 1;
	if (finish(g, repo_path) < 0) {
		diag_add(d, repo_path, 0, 0, "revision '%s': its tree cannot be read", rev);
		gs_close(&g->base);
		return NULL;
	}
	return g;
}

struct source *source_git_open(const char *repo_path, const char *rev,
			       struct diags *d)
{
	struct git_src *g = open_native(repo_path, rev);
	if (!g)
		g = open_libgit2(repo_path, rev, d);
	return g ? &g->base : NULL;
}

struct objects *source_git_objects(struct source *s)
{
	struct git_src *g = gs_of(s);
	return g ? g->objs : NULL;
}

const git_oid *source_git_commit(struct source *s)
{
	struct git_src *g = gs_of(s);
	return g && g->has_commit ? &g->commit_oid : NULL;
}

const char *source_git_prefix(struct source *s)
{
	struct git_src *g = gs_of(s);
	return g ? g->prefix : "";
}

int source_git_tree_id(struct source *s, char out[41])
{
	struct git_src *g = gs_of(s);
	if (!g)
		return -1;
	gitoid_tohex(&g->tree_oid, out);
	return 0;
}

int source_git_is_shallow(struct source *s)
{
	struct git_src *g = gs_of(s);
	return g ? g->shallow : 0;
}

int git_hash_blob(const void *data, size_t len, char out[41])
{
	gitutil_init();
	git_oid oid;
	if (git2.odb_hash(&oid, data, len, GIT_OBJECT_BLOB) < 0)
		return -1;
	git2.oid_tostr(out, 41, &oid);
	return 0;
}
