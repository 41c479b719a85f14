/* git_source.c - see git_source.h.
 * Every read resolves the path in its directory's tree, and the source
 * keeps each directory tree it looked up (struct git_src.dirs). */
#include "git_source.h"
#include "gitutil.h"
#include "../util/arena.h"
#include "../util/strmap.h"
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct git_src {
	struct source base;
	git_repository *repo;
	git_tree *tree;         /* the revision's tree at prefix */
	git_oid commit_oid;
	int has_commit;
	int shallow;
	char *prefix;           /* "" or "sub/dir/" */
	char commit_hex[GIT_OID_HEXSZ + 1];
	char label[64];
	/* Directory trees by path below the prefix ("content/services" ->
	 * git_tree *), each looked up once. libgit2's object cache keeps
	 * trees of at most 4 KiB only; a directory of 600 services is
	 * ~40 KiB, and git_tree_entry_bypath inflated it again for every
	 * file in it: 39 % of the cpu time of a one-commit --ref rebuild.
	 * As many entries as directories the build reads. Locked: worker
	 * threads may load a partial template. */
	struct strmap dirs;
	pthread_mutex_t lock;
};

/* Most directories kept (a tree with more is read without the map). */
#define DIRS_MAX 4096

static struct git_src *gs_of(struct source *s);

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

/* The tree of directory dir[0..len) (no trailing '/'; len 0 is the
 * root), owned by g; NULL with errno set (ENOENT, ENOTDIR, EIO). The
 * caller holds g->lock. */
static git_tree *dir_tree(struct git_src *g, const char *dir, size_t len)
{
	if (len == 0)
		return g->tree;
	struct strmap_slot *sl = strmap_get(&g->dirs, dir, len);
	if (sl)
		return sl->val;
	size_t cut = len;
	while (cut > 0 && dir[cut - 1] != '/')
		cut--;
	git_tree *parent = dir_tree(g, dir, cut ? cut - 1 : 0);
	if (!parent)
		return NULL;
	char name[NAME_MAX + 1];
	if (len - cut > NAME_MAX) {
		errno = ENOENT;
		return NULL;
	}
	memcpy(name, dir + cut, len - cut);
	name[len - cut] = '\0';
	const git_tree_entry *e = git2.tree_entry_byname(parent, name);
	if (!e) {
		errno = ENOENT;
		return NULL;
	}
	if (git2.tree_entry_type(e) != GIT_OBJECT_TREE) {
		errno = ENOTDIR;
		return NULL;
	}
	git_tree *t = NULL;
	if (git2.tree_lookup(&t, g->repo, git2.tree_entry_id(e)) < 0) {
		errno = EIO;
		return NULL;
	}
	bool added;
	sl = strmap_put(&g->dirs, dir, len, &added);
	if (!sl) {      /* more than DIRS_MAX directories: nobody would free it */
		git2.tree_free(t);
		errno = EIO;
		return NULL;
	}
	sl->val = t;
	return t;
}

/* The tree entry at path, or NULL with errno set (ENOENT, EINVAL). An
 * empty path is the root tree and yields NULL with *is_root set. The
 * caller frees the entry. */
static git_tree_entry *lookup(struct git_src *g, const char *path,
			      int *is_root)
{
	char full[PATH_MAX];
	*is_root = 0;
	if (clean_path(path, full, sizeof full) < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (full[0] == '\0') {
		*is_root = 1;
		return NULL;
	}
	const char *slash = strrchr(full, '/');
	size_t dlen = slash ? (size_t)(slash - full) : 0;
	const char *name = slash ? slash + 1 : full;
	git_tree_entry *out = NULL;
	int err = 0;
	pthread_mutex_lock(&g->lock);
	git_tree *t = dir_tree(g, full, dlen);
	if (!t) {
		err = errno == ENOTDIR ? ENOENT : errno;
	} else {
		const git_tree_entry *e = git2.tree_entry_byname(t, name);
		if (!e)
			err = ENOENT;
		else if (git2.tree_entry_dup(&out, e) < 0)
			err = ENOMEM;
	}
	pthread_mutex_unlock(&g->lock);
	if (!out)
		errno = err;
	return out;
}

/* The entry of a file (or link); the root is a directory: EISDIR. */
static git_tree_entry *lookup_file(struct git_src *g, const char *path)
{
	int is_root;
	git_tree_entry *e = lookup(g, path, &is_root);
	if (!e && is_root)
		errno = EISDIR;
	return e;
}

static int gs_read(struct source *s, const char *path, struct buf *out)
{
	struct git_src *g = gs_of(s);
	git_tree_entry *e = lookup_file(g, path);
	if (!e)
		return -1;
	int rc = -1;
	git_filemode_t mode = git2.tree_entry_filemode(e);
	if (mode == GIT_FILEMODE_TREE) {
		errno = EISDIR;
	} else if (mode == GIT_FILEMODE_LINK) {
		/* A symlink would be read as its target's name: refuse, like
		 * O_NOFOLLOW on the working tree. */
		errno = ELOOP;
	} else if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
		errno = ENOENT;         /* a submodule: no content here */
	} else {
		git_blob *blob = NULL;
		if (git2.blob_lookup(&blob, g->repo, git2.tree_entry_id(e)) < 0) {
			errno = EIO;
		} else {
			git_object_size_t sz = git2.blob_rawsize(blob);
			if (sz > (git_object_size_t)SIZE_MAX ||
			    buf_append(out, git2.blob_rawcontent(blob), (size_t)sz) < 0)
				errno = EFBIG;
			else
				rc = 0;
			git2.blob_free(blob);
		}
	}
	git2.tree_entry_free(e);
	return rc;
}

static void free_entries(struct source_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct source_entry *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int gs_list(struct source *s, const char *dir, struct source_entry **out,
		   size_t *n)
{
	struct git_src *g = gs_of(s);
	*out = NULL;
	*n = 0;
	int is_root;
	git_tree *tree = NULL;
	git_tree_entry *e = lookup(g, dir, &is_root);
	if (is_root) {
		if (git2.tree_dup(&tree, g->tree) < 0) {
			errno = EIO;
			return -1;
		}
	} else if (!e) {
		return -1;
	} else {
		int isdir = git2.tree_entry_type(e) == GIT_OBJECT_TREE;
		int rc = isdir ? git2.tree_lookup(&tree, g->repo, git2.tree_entry_id(e)) : -1;
		git2.tree_entry_free(e);
		if (rc < 0) {
			errno = isdir ? EIO : ENOTDIR;
			return -1;
		}
	}
	size_t cnt = git2.tree_entrycount(tree), k = 0;
	struct source_entry *v = xcalloc(cnt ? cnt : 1, sizeof *v);
	for (size_t i = 0; i < cnt; i++) {
		const git_tree_entry *te = git2.tree_entry_byindex(tree, i);
		git_object_t t = git2.tree_entry_type(te);
		if (t != GIT_OBJECT_TREE && t != GIT_OBJECT_BLOB)
			continue;       /* submodule */
		v[k].name = xstrdup(git2.tree_entry_name(te));
		v[k].is_dir = t == GIT_OBJECT_TREE;
		k++;
	}
	git2.tree_free(tree);
	/* git sorts a directory "a" as "a/": re-sort plainly bytewise */
	qsort(v, k, sizeof *v, entry_cmp);
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
	git_tree_entry *e = lookup_file(gs_of(s), path);
	if (!e)
		return -1;
	int rc = -1;
	if (git2.tree_entry_type(e) != GIT_OBJECT_BLOB) {
		errno = EISDIR;
	} else {
		git2.oid_tostr(id, 41, git2.tree_entry_id(e));
		rc = 0;
	}
	git2.tree_entry_free(e);
	return rc;
}

static void gs_close(struct source *s)
{
	struct git_src *g = gs_of(s);
	if (!g)
		return;
	struct strmap_slot *sl;
	for (size_t i = 0; (sl = strmap_next(&g->dirs, &i));)
		git2.tree_free(sl->val);
	strmap_free(&g->dirs);
	pthread_mutex_destroy(&g->lock);
	git2.tree_free(g->tree);
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

/* Descend from the root tree to the project's directory. */
static int subtree(struct git_src *g, git_tree *root, const char *repo_path,
		   const char *rev, struct diags *d)
{
	if (g->prefix[0] == '\0')
		return git2.tree_dup(&g->tree, root) < 0 ? -1 : 0;
	git_tree_entry *e = NULL;
	size_t n = strlen(g->prefix);
	char *dir = xstrdup(g->prefix);
	dir[n - 1] = '\0';
	int rc = git2.tree_entry_bypath(&e, root, dir);
	if (rc == 0 && git2.tree_entry_type(e) == GIT_OBJECT_TREE)
		rc = git2.tree_lookup(&g->tree, g->repo, git2.tree_entry_id(e));
	else if (rc == 0)
		rc = -1;
	git2.tree_entry_free(e);
	if (rc < 0)
		diag_add(d, repo_path, 0, 0, "directory '%s' does not exist in "
			 "revision '%s'", dir, rev);
	free(dir);
	return rc < 0 ? -1 : 0;
}

static git_repository *open_repo(const char *repo_path, struct diags *d)
{
	/* Inside a pre-receive hook the pushed objects are only reachable
	 * through GIT_OBJECT_DIRECTORY / GIT_ALTERNATE_OBJECT_DIRECTORIES
	 * (git's quarantine); FROM_ENV makes libgit2 honour them. Otherwise
	 * open plainly, so stray GIT_* variables do not redirect us. */
	unsigned flags = 0;
	if (getenv("GIT_OBJECT_DIRECTORY") || getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES"))
		flags = GIT_REPOSITORY_OPEN_FROM_ENV;
	git_repository *repo = NULL;
	if (git2.repository_open_ext(&repo, repo_path, flags, NULL) < 0) {
		diag_add(d, repo_path, 0, 0, "not a git repository: %s",
			 gitutil_errmsg());
		return NULL;
	}
	return repo;
}

struct source *source_git_open(const char *repo_path, const char *rev,
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
	struct git_src *g = xcalloc(1, sizeof *g);
	g->repo = repo;
	g->base.read = gs_read;
	g->base.list = gs_list;
	g->base.file_id = gs_file_id;
	g->base.close = gs_close;
	if (git2.object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0) {
		const git_commit *c = (const git_commit *)peeled;
		git2.oid_cpy(&g->commit_oid, git2.commit_id(c));
		g->has_commit = 1;
		g->base.commit_time = (long long)git2.commit_time(c);
		git2.object_free(peeled);
		peeled = NULL;
	}
	if (git2.object_peel(&peeled, obj, GIT_OBJECT_TREE) < 0) {
		diag_add(d, repo_path, 0, 0, "revision '%s' is not a commit or tree: %s",
			 rev, gitutil_errmsg());
		git2.object_free(obj);
		git2.repository_free(repo);
		free(g);
		return NULL;
	}
	git2.object_free(obj);
	strmap_init(&g->dirs, DIRS_MAX);    /* gs_close frees them from here on */
	pthread_mutex_init(&g->lock, NULL);
	g->prefix = work_prefix(repo, repo_path);
	if (subtree(g, (git_tree *)peeled, repo_path, rev, d) < 0) {
		git2.object_free(peeled);
		gs_close(&g->base);
		return NULL;
	}
	git2.object_free(peeled);
	g->shallow = git2.repository_is_shallow(repo) == 1;

	char shorthex[8];
	if (g->has_commit) {
		git2.oid_tostr(g->commit_hex, sizeof g->commit_hex, &g->commit_oid);
		git2.oid_tostr(shorthex, sizeof shorthex, &g->commit_oid);
		snprintf(g->label, sizeof g->label, "commit %s", shorthex);
		g->base.commit = g->commit_hex;
	} else {
		git2.oid_tostr(shorthex, sizeof shorthex, git2.tree_id(g->tree));
		snprintf(g->label, sizeof g->label, "tree %s", shorthex);
	}
	g->base.label = g->label;
	if (g->shallow)
		fprintf(stderr, "sitegen: warning: %s is a shallow clone; dates "
			"from history are incomplete (run git fetch --unshallow)\n",
			repo_path);
	return &g->base;
}

git_repository *source_git_repository(struct source *s)
{
	struct git_src *g = gs_of(s);
	return g ? g->repo : NULL;
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
	git2.oid_tostr(out, 41, git2.tree_id(g->tree));
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
