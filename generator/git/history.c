/* history.c - see history.h.
 * Why not git_diff_tree_to_tree per commit: a diff sets up iterators,
 * pathspec matching and a delta list for every commit. Here two trees are
 * compared by their raw bytes (identical prefix skipped with memcmp, then
 * entry ids compared) and only subtrees whose id changed and that lead to
 * a wanted path are opened: a few trees per commit, read through
 * packread.h (libgit2 would rebuild each tree's whole delta chain on every
 * read). The dates equal what `git log --name-only` gives
 * (tests/unit/git_history.c); the time is in bench/README.md. */
#include "history.h"
#include "gitutil.h"
#include "packread.h"
#include "../util/arena.h"
#include "../util/strmap.h"
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	const char *path;
	size_t len;
	int known;
	struct history_event ev;
};

/* Rebuilt objects kept by the pack reader (packread.h): enough for the
 * delta chains of the directories a walk reads, bounded. */
#define PACK_CACHE_BYTES (16u << 20)

struct history {
	struct arena arena;
	struct packread *packs;
	struct rec *recs;       /* distinct wanted paths */
	size_t n_recs, remaining;
	struct strmap files;    /* path -> its struct rec */
	struct strmap dirs;     /* directories on the way to wanted paths ->
				 * how many of them are still unknown (size_t) */
	struct history_event *events;
	size_t n_events;
	size_t walked;
	git_repository *repo;
	git_odb *odb;
	/* the commit being looked at */
	long long cur_time;
	char cur_id[41];
	char path[PATH_MAX];
};

/* The unknown-path counter of directory path[0..len), or NULL. */
static size_t *dir_count(const struct history *h, const char *path, size_t len)
{
	struct strmap_slot *sl = strmap_get(&h->dirs, path, len);
	return sl ? sl->val : NULL;
}

/* Register path (and its parent directories) as wanted. */
static void want(struct history *h, const char *path)
{
	size_t len = strlen(path);
	bool added;
	if (len == 0 || len >= PATH_MAX)
		return;
	struct strmap_slot *sl = strmap_put(&h->files, path, len, &added);
	if (!sl || !added)
		return;
	struct rec *r = &h->recs[h->n_recs++];
	r->path = sl->key;
	r->len = len;
	sl->val = r;
	h->remaining++;
	for (size_t i = len; i-- > 0;) {
		if (path[i] != '/')
			continue;
		struct strmap_slot *d = strmap_put(&h->dirs, path, i, &added);
		if (!d)
			break;
		if (added)
			d->val = arena_alloc(&h->arena, sizeof(size_t));
		(*(size_t *)d->val)++;
	}
}

static void note(struct history *h, size_t len, enum history_kind kind)
{
	struct strmap_slot *sl = strmap_get(&h->files, h->path, len);
	if (!sl)
		return;
	struct rec *r = sl->val;
	if (r->known)
		return;
	r->known = 1;
	r->ev.time = h->cur_time;
	r->ev.path = r->path;
	r->ev.kind = kind;
	memcpy(r->ev.commit, h->cur_id, sizeof r->ev.commit);
	h->remaining--;
	/* A directory whose wanted paths are all known is not read again. */
	for (size_t i = len; i-- > 0;) {
		size_t *n = h->path[i] == '/' ? dir_count(h, h->path, i) : NULL;
		if (n && *n)
			(*n)--;
	}
}

/* A tree object's raw bytes, read entry by entry: "<octal mode> <name>\0"
 * followed by the 20-byte id. Parsing this directly (rather than through
 * git_tree_lookup, which builds an entry array for every tree) is most of
 * the speed of the walk. */
struct rawtree {
	const struct packobj *po;       /* from the packs, or */
	git_odb_object *obj;            /* from libgit2 */
	const unsigned char *p, *end;
};

struct rawent {
	const unsigned char *start;     /* the whole entry's bytes */
	size_t len;
	unsigned mode;
	const char *name;
	size_t nlen;
	const unsigned char *id;        /* GIT_OID_RAWSZ bytes */
};

#define MODE_TREE 0040000u

static void raw_close(struct history *h, struct rawtree *t)
{
	if (t->po)
		packread_release(h->packs, t->po);
	git_odb_object_free(t->obj);
	t->po = NULL;
	t->obj = NULL;
}

/* The tree id from the packs (cached rebuilt deltas), else from libgit2
 * (loose objects, anything the pack reader leaves to it). */
static int raw_open(struct history *h, const git_oid *id, struct rawtree *t)
{
	memset(t, 0, sizeof *t);
	if (!id)
		return 0;
	git_object_t type;
	if (packread_get(h->packs, id, &t->po) == 1) {
		type = t->po->type;
		t->p = t->po->data;
		t->end = t->p + t->po->len;
	} else {
		if (git_odb_read(&t->obj, h->odb, id) < 0)
			return -1;
		type = git_odb_object_type(t->obj);
		t->p = git_odb_object_data(t->obj);
		t->end = t->p + git_odb_object_size(t->obj);
	}
	if (type != GIT_OBJECT_TREE) {
		raw_close(h, t);
		git_error_set_str(GIT_ERROR_OBJECT, "object is not a tree");
		return -1;
	}
	return 0;
}

/* 1 and the next entry, 0 at the end, -1 when the tree is corrupt. */
static int raw_next(struct rawtree *t, struct rawent *e)
{
	if (t->p >= t->end)
		return 0;
	unsigned mode = 0;
	const unsigned char *p = t->p;
	while (p < t->end && *p >= '0' && *p <= '7' && mode < 01000000)
		mode = mode * 8 + (unsigned)(*p++ - '0');
	if (p == t->p || p >= t->end || *p != ' ')
		return -1;
	const unsigned char *name = ++p;
	const unsigned char *nul = memchr(name, '\0', (size_t)(t->end - name));
	if (!nul || nul == name || (size_t)(t->end - nul - 1) < GIT_OID_RAWSZ)
		return -1;
	e->start = t->p;
	e->len = (size_t)(nul + 1 + GIT_OID_RAWSZ - t->p);
	e->mode = mode;
	e->name = (const char *)name;
	e->nlen = (size_t)(nul - name);
	e->id = nul + 1;
	t->p = nul + 1 + GIT_OID_RAWSZ;
	return 1;
}

static int is_tree(const struct rawent *e)
{
	return (e->mode & 0170000u) == MODE_TREE;
}

/* git's order: a directory sorts as if its name ended in '/'. */
static int raw_cmp(const struct rawent *a, const struct rawent *b)
{
	size_t n = a->nlen < b->nlen ? a->nlen : b->nlen;
	int c = memcmp(a->name, b->name, n);
	if (c)
		return c;
	unsigned char ca = a->nlen > n ? (unsigned char)a->name[n] : is_tree(a) ? '/' : 0;
	unsigned char cb = b->nlen > n ? (unsigned char)b->name[n] : is_tree(b) ? '/' : 0;
	return ca < cb ? -1 : ca > cb;
}

/* Two versions of a directory usually differ in an entry or two: skip
 * the identical leading bytes with memcmp, then move both trees past the
 * whole entries inside that common prefix. An entry ends 21 bytes after
 * the NUL that ends its name (mode and name hold no NUL), so finding the
 * boundaries needs no more than memchr. Returns the length of the common
 * suffix of what is left, so the comparison can stop where the rest of
 * both trees is the same bytes. */
static size_t skip_common(struct rawtree *ta, struct rawtree *tb)
{
	size_t na = (size_t)(ta->end - ta->p), nb = (size_t)(tb->end - tb->p);
	size_t n = na < nb ? na : nb, k = 0;
	while (k + 256 <= n && memcmp(ta->p + k, tb->p + k, 256) == 0)
		k += 256;
	while (k < n && ta->p[k] == tb->p[k])
		k++;
	const unsigned char *start = ta->p, *q = ta->p;
	for (;;) {
		const unsigned char *nul = memchr(q, '\0', (size_t)(ta->end - q));
		if (!nul || (size_t)(ta->end - nul) < 1 + GIT_OID_RAWSZ ||
		    (size_t)(nul + 1 + GIT_OID_RAWSZ - start) > k)
			break;
		q = nul + 1 + GIT_OID_RAWSZ;
	}
	ta->p = q;
	tb->p += q - start;
	na = (size_t)(ta->end - ta->p);
	nb = (size_t)(tb->end - tb->p);
	n = na < nb ? na : nb;
	k = 0;
	while (k + 256 <= n && memcmp(ta->end - k - 256, tb->end - k - 256, 256) == 0)
		k += 256;
	while (k < n && ta->end[-1 - (ptrdiff_t)k] == tb->end[-1 - (ptrdiff_t)k])
		k++;
	return k;
}

static int compare_trees(struct history *h, size_t plen, const git_oid *a,
			 const git_oid *b);

/* One name present in the parent (ea) and/or the commit (eb). */
static int compare_entry(struct history *h, size_t plen,
			 const struct rawent *ea, const struct rawent *eb)
{
	const struct rawent *e = eb ? eb : ea;
	size_t len = plen + (plen ? 1 : 0) + e->nlen;
	if (len >= sizeof h->path)
		return 0;       /* no wanted path is this long */
	if (plen)
		h->path[plen] = '/';
	memcpy(h->path + len - e->nlen, e->name, e->nlen);
	h->path[len] = '\0';
	if (is_tree(e)) {
		const size_t *unknown = dir_count(h, h->path, len);
		if (!unknown || !*unknown)
			return 0;       /* nothing wanted (any more) below */
		git_oid ia, ib;
		if (ea)
			git_oid_fromraw(&ia, ea->id);
		if (eb)
			git_oid_fromraw(&ib, eb->id);
		return compare_trees(h, len, ea ? &ia : NULL, eb ? &ib : NULL);
	}
	if (ea && eb) {
		if (memcmp(ea->id, eb->id, GIT_OID_RAWSZ) == 0 && ea->mode == eb->mode)
			return 0;
		note(h, len, HISTORY_MODIFIED);
	} else {
		note(h, len, eb ? HISTORY_ADDED : HISTORY_DELETED);
	}
	return 0;
}

/* Compare the parent's tree a with the commit's tree b (either may be
 * NULL: absent) at h->path[0..plen). Both trees are sorted in git's
 * order, so one merge pass pairs equal names. */
static int compare_trees(struct history *h, size_t plen, const git_oid *a,
			 const git_oid *b)
{
	if (a && b && git_oid_equal(a, b))
		return 0;
	struct rawtree ta, tb;
	if (raw_open(h, a, &ta) < 0)
		return -1;
	if (raw_open(h, b, &tb) < 0) {
		raw_close(h, &ta);
		return -1;
	}
	size_t same_tail = a && b ? skip_common(&ta, &tb) : 0;
	struct rawent ea, eb;
	int ha = raw_next(&ta, &ea), hb = raw_next(&tb, &eb), rc = 0;
	while (rc == 0 && ha >= 0 && hb >= 0 && (ha || hb) && h->remaining) {
		/* the rest of both trees is the same bytes, so the same entries */
		if (ha && hb && ta.end - ea.start == tb.end - eb.start &&
		    (size_t)(ta.end - ea.start) <= same_tail)
			break;
		/* most entries are unchanged: same mode, name and id */
		if (ha && hb && ea.len == eb.len &&
		    memcmp(ea.start, eb.start, ea.len) == 0) {
			ha = raw_next(&ta, &ea);
			hb = raw_next(&tb, &eb);
			continue;
		}
		int c = !ha ? 1 : !hb ? -1 : raw_cmp(&ea, &eb);
		if (c == 0 && is_tree(&ea) != is_tree(&eb))
			c = 1;  /* cannot happen in git order; be safe */
		if (c < 0) {
			rc = compare_entry(h, plen, &ea, NULL);
			ha = raw_next(&ta, &ea);
		} else if (c > 0) {
			rc = compare_entry(h, plen, NULL, &eb);
			hb = raw_next(&tb, &eb);
		} else {
			rc = compare_entry(h, plen, &ea, &eb);
			ha = raw_next(&ta, &ea);
			hb = raw_next(&tb, &eb);
		}
	}
	if (ha < 0 || hb < 0) {
		git_error_set_str(GIT_ERROR_OBJECT, "corrupt tree object");
		rc = -1;
	}
	h->path[plen] = '\0';
	raw_close(h, &ta);
	raw_close(h, &tb);
	return rc;
}

/* The walk's queue: commits by committer time, newest first, and in
 * insertion order among equal times, as git log orders them. */
struct qent {
	long long time;
	size_t seq;
	git_oid id;
};

struct queue {
	struct qent *v;
	size_t n, cap, seq;
};

static int qless(const struct qent *a, const struct qent *b)
{
	if (a->time != b->time)
		return a->time > b->time;
	return a->seq < b->seq;
}

static void qpush(struct queue *q, const git_oid *id, long long time)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->v = xrealloc(q->v, q->cap * sizeof *q->v);
	}
	size_t i = q->n++;
	struct qent e = { time, q->seq++, *id };
	while (i > 0 && qless(&e, &q->v[(i - 1) / 2])) {
		q->v[i] = q->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->v[i] = e;
}

static struct qent qpop(struct queue *q)
{
	struct qent top = q->v[0], last = q->v[--q->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && qless(&q->v[c + 1], &q->v[c]))
			c++;
		if (!qless(&q->v[c], &last))
			break;
		q->v[i] = q->v[c];
		i = c;
	}
	if (q->n)
		q->v[i] = last;
	return top;
}

/* Commits already queued: an open-addressing set of ids, grown at half
 * full. */
struct oidset {
	git_oid *v;
	unsigned char *used;
	size_t n, mask;
};

static size_t oid_hash(const git_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof h);  /* ids are uniformly random */
	return h;
}

/* 1 when id was new. */
static int oidset_add(struct oidset *s, const git_oid *id)
{
	if (2 * (s->n + 1) > s->mask + 1) {
		struct oidset t = { 0 };
		t.mask = s->mask ? 2 * s->mask + 1 : 1023;
		t.v = xcalloc(t.mask + 1, sizeof *t.v);
		t.used = xcalloc(t.mask + 1, 1);
		for (size_t i = 0; s->mask && i <= s->mask; i++)
			if (s->used[i])
				oidset_add(&t, &s->v[i]);
		free(s->v);
		free(s->used);
		*s = t;
	}
	size_t i = oid_hash(id) & s->mask;
	while (s->used[i]) {
		if (git_oid_equal(&s->v[i], id))
			return 0;
		i = (i + 1) & s->mask;
	}
	s->used[i] = 1;
	git_oid_cpy(&s->v[i], id);
	s->n++;
	return 1;
}

/* Compare commit c with its first parent. A merge is skipped (see
 * history.h); so is a commit whose parent is missing (the boundary of a
 * shallow clone): its diff cannot be known. */
static int visit(struct history *h, git_commit *c)
{
	unsigned np = git_commit_parentcount(c);
	if (np > 1)
		return 0;
	git_commit *p = NULL;
	if (np == 1 && git_commit_parent(&p, c, 0) < 0)
		return 0;
	h->cur_time = (long long)git_commit_time(c);
	git_oid_tostr(h->cur_id, sizeof h->cur_id, git_commit_id(c));
	h->path[0] = '\0';
	int rc = compare_trees(h, 0, p ? git_commit_tree_id(p) : NULL,
			       git_commit_tree_id(c));
	git_commit_free(p);
	return rc;
}

/* Queue c's parents not seen before. A missing parent is the edge of a
 * shallow clone (dates beyond it stay unknown), and an error otherwise. */
static int queue_parents(struct history *h, git_commit *c, struct queue *q,
			 struct oidset *seen, int shallow)
{
	for (unsigned i = 0; i < git_commit_parentcount(c); i++) {
		const git_oid *pid = git_commit_parent_id(c, i);
		if (!oidset_add(seen, pid))
			continue;
		git_commit *p = NULL;
		if (git_commit_lookup(&p, h->repo, pid) < 0) {
			if (shallow) {
				git_error_clear();
				continue;
			}
			return -1;
		}
		qpush(q, pid, (long long)git_commit_time(p));
		git_commit_free(p);
	}
	return 0;
}

/* Our own walk rather than git_revwalk: libgit2 1.5's revwalk fails (and
 * leaks) at a shallow clone's missing parents. */
static int walk(struct history *h, const git_oid *commit, struct diags *d)
{
	int shallow = git_repository_is_shallow(h->repo) == 1;
	struct queue q = { 0 };
	struct oidset seen = { 0 };
	git_commit *c = NULL;
	int rc = 0;
	if (git_commit_lookup(&c, h->repo, commit) < 0) {
		rc = -1;
	} else {
		oidset_add(&seen, commit);
		qpush(&q, commit, (long long)git_commit_time(c));
		git_commit_free(c);
	}
	while (rc == 0 && q.n && h->remaining) {
		struct qent e = qpop(&q);
		if (git_commit_lookup(&c, h->repo, &e.id) < 0) {
			rc = -1;
			break;
		}
		h->walked++;
		rc = visit(h, c);
		if (rc == 0)
			rc = queue_parents(h, c, &q, &seen, shallow);
		git_commit_free(c);
	}
	if (rc < 0)
		diag_add(d, "(git)", 0, 0, "history: %s", gitutil_errmsg());
	free(q.v);
	free(seen.v);
	free(seen.used);
	return rc;
}

static int event_cmp(const void *a, const void *b)
{
	const struct history_event *x = a, *y = b;
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void collect_events(struct history *h)
{
	h->events = arena_alloc(&h->arena, (h->n_recs ? h->n_recs : 1) *
				sizeof *h->events);
	for (size_t i = 0; i < h->n_recs; i++)
		if (h->recs[i].known)
			h->events[h->n_events++] = h->recs[i].ev;
	qsort(h->events, h->n_events, sizeof *h->events, event_cmp);
}

struct history *history_compute(git_repository *repo, const git_oid *commit,
				const char *const *paths, size_t n,
				struct diags *d)
{
	gitutil_init();
	if (!repo || !commit) {
		diag_add(d, "(git)", 0, 0, "history: no commit to start from");
		return NULL;
	}
	struct history *h = xcalloc(1, sizeof *h);
	arena_init(&h->arena);
	h->repo = repo;
	if (git_repository_odb(&h->odb, repo) < 0) {
		diag_add(d, "(git)", 0, 0, "history: %s", gitutil_errmsg());
		history_free(h);
		return NULL;
	}
	h->packs = packread_open(repo, PACK_CACHE_BYTES);
	h->recs = xcalloc(n ? n : 1, sizeof *h->recs);
	size_t ndirs = 0;       /* at most one directory per '/' */
	for (size_t i = 0; i < n; i++)
		for (const char *q = paths[i]; *q; q++)
			ndirs += *q == '/';
	strmap_init(&h->files, n ? n : 1);
	strmap_init(&h->dirs, ndirs ? ndirs : 1);
	for (size_t i = 0; i < n; i++)
		want(h, paths[i]);
	if (walk(h, commit, d) < 0) {
		history_free(h);
		return NULL;
	}
	collect_events(h);
	return h;
}

static const struct rec *find(const struct history *h, const char *path)
{
	const struct strmap_slot *sl = strmap_get(&h->files, path, strlen(path));
	const struct rec *r = sl ? sl->val : NULL;
	return r && r->known ? r : NULL;
}

long long history_time(const struct history *h, const char *path)
{
	const struct rec *r = find(h, path);
	return r ? r->ev.time : 0;
}

const char *history_commit(const struct history *h, const char *path)
{
	const struct rec *r = find(h, path);
	return r ? r->ev.commit : NULL;
}

void history_events(const struct history *h, struct history_events *out)
{
	out->v = h->events;
	out->n = h->n_events;
}

size_t history_commits_walked(const struct history *h)
{
	return h->walked;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	packread_close(h->packs);
	git_odb_free(h->odb);
	free(h->recs);
	strmap_free(&h->files);
	strmap_free(&h->dirs);
	arena_free(&h->arena);
	free(h);
}
