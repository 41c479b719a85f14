/* history.c - see history.h.
 * Why not git_diff_tree_to_tree per commit: a diff sets up iterators,
 * pathspec matching and a delta list for every commit. Here two trees are
 * compared by their raw bytes (identical prefix skipped with memcmp, then
 * entry ids compared) and only subtrees whose id changed and that lead to
 * a wanted path are opened: a few trees per commit, read through
 * objects.h (libgit2 would rebuild each tree's whole delta chain on every
 * read; packread.h keeps the links of the chains). The dates equal what `git log --name-only` gives
 * (tests/unit/git_history.c); the time is in bench/README.md. */
#include "history.h"
#include "objects.h"
#include "../util/arena.h"
#include "../util/strmap.h"
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rec {
	const char *path;
	size_t len;
	int known;
	struct history_event ev;
};

/* Workers comparing trees at once, at most; one per core. */
#define MAX_WORKERS 4
/* The first commits are compared one at a time, so a history whose wanted
 * paths all changed lately stops early; then the walk goes on in chunks
 * of commits shared among the workers, growing to CHUNK_MAX. */
#define SERIAL_COMMITS 64
#define CHUNK_FIRST 512
#define CHUNK_MAX 8192
/* Workers take the jobs of a chunk in blocks, in walk order, as they
 * come free: no worker waits long for a slower one (another process may
 * hold a core), and all work on neighbouring commits, whose trees share
 * delta chains in the one pack cache (with 24 MiB, the benchmark rebuilds
 * 57,000 objects of the 53,000 trees in its pack). */
#define BLOCK 32
#define NO_JOB SIZE_MAX

/* One non-merge commit to compare with its first parent. */
struct job {
	git_oid id, tree, ptree;
	int root;               /* no parent: every path in tree is added */
	long long time;
};

struct history;

/* A chunk of jobs in walk order, shared by the workers. */
struct run {
	const struct job *jobs;
	size_t n;
	atomic_size_t next;     /* the first job of the next free block */
};

/* A worker compares the trees of the jobs it takes, read through the
 * source's objects (whose pack cache serves all: their commits are
 * neighbours in history), and notes each wanted path's first change
 * among them. Paths known before the
 * chunk are not looked for; the earliest change any worker found is the
 * last change (merge_run). */
struct worker {
	struct history *h;              /* only read while workers run */
	struct objects *objs;           /* the history's */
	size_t *unknown;                /* per directory: wanted paths below
					 * not found yet */
	size_t *found;                  /* per path: first job changing it */
	enum history_kind *kind;        /* per path: how */
	size_t *hits, n_hits;           /* the paths found in this chunk */
	size_t remaining;
	struct run *run;
	size_t cur;                     /* the job being compared */
	int rc;
	char err[256];                  /* why the worker stopped */
	char path[PATH_MAX];
};

struct history {
	struct arena arena;
	struct rec *recs;       /* distinct wanted paths */
	size_t n_recs, remaining;
	struct strmap files;    /* path -> its struct rec */
	struct strmap dirs;     /* directories on the way to wanted paths ->
				 * their index (size_t) */
	size_t n_dirs;
	size_t *unknown;        /* per directory: wanted paths below whose
				 * last change is not known yet */
	struct history_event *events;
	size_t n_events;
	size_t walked;
	struct objects *objs;
	int shallow;
	char err[256];          /* the walk's error (the caller's thread) */
	struct worker workers[MAX_WORKERS];
	size_t n_workers;
	size_t *best;           /* per path: merge_run's earliest job */
};

/* The index of directory path[0..len), or NULL. */
static const size_t *dir_index(const struct history *h, const char *path,
			       size_t len)
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
		if (added) {
			size_t *idx = arena_alloc(&h->arena, sizeof *idx);
			*idx = h->n_dirs++;
			d->val = idx;
		}
	}
}

/* Count the wanted paths below each directory (after every want()). */
static void count_dirs(struct history *h)
{
	h->unknown = xcalloc(h->n_dirs ? h->n_dirs : 1, sizeof *h->unknown);
	for (size_t k = 0; k < h->n_recs; k++) {
		const struct rec *r = &h->recs[k];
		for (size_t i = r->len; i-- > 0;) {
			const size_t *d = r->path[i] == '/' ? dir_index(h, r->path, i) : NULL;
			if (d)
				h->unknown[*d]++;
		}
	}
}

/* path[0..len) changed in the worker's current job. */
static void note(struct worker *w, size_t len, enum history_kind kind)
{
	const struct history *h = w->h;
	struct strmap_slot *sl = strmap_get(&h->files, w->path, len);
	if (!sl)
		return;
	const struct rec *r = sl->val;
	size_t k = (size_t)(r - h->recs);
	if (r->known || w->found[k] != NO_JOB)
		return;
	w->found[k] = w->cur;
	w->kind[k] = kind;
	w->hits[w->n_hits++] = k;
	w->remaining--;
	/* A directory whose wanted paths are all found is not read again. */
	for (size_t i = len; i-- > 0;) {
		const size_t *d = w->path[i] == '/' ? dir_index(h, w->path, i) : NULL;
		if (d && w->unknown[*d])
			w->unknown[*d]--;
	}
}

/* A tree object's raw bytes, read entry by entry (objects.h,
 * gittree_next). Parsing this directly (rather than through
 * git_tree_lookup, which builds an entry array for every tree) is most of
 * the speed of the walk. */
struct rawtree {
	struct gitobj obj;
	const unsigned char *p, *end;
};


static void raw_close(struct worker *w, struct rawtree *t)
{
	objects_put(w->objs, &t->obj);
}

/* Tree id's bytes (none for NULL: an absent tree). */
static int raw_open(struct worker *w, const git_oid *id, struct rawtree *t)
{
	memset(t, 0, sizeof *t);
	if (!id)
		return 0;
	if (objects_get(w->objs, id, &t->obj, w->err, sizeof w->err) < 0)
		return -1;
	if (t->obj.type != GIT_OBJECT_TREE) {
		raw_close(w, t);
		char hex[GIT_OID_HEXSZ + 1];
		gitoid_tohex(id, hex);
		snprintf(w->err, sizeof w->err, "object %s is not a tree", hex);
		return -1;
	}
	t->p = t->obj.data;
	t->end = t->p + t->obj.len;
	return 0;
}

/* 1 and the next entry, 0 at the end, -1 when the tree is corrupt. */
static int raw_next(struct rawtree *t, struct gittree_ent *e)
{
	return gittree_next(&t->p, t->end, e);
}

static int is_tree(const struct gittree_ent *e)
{
	return gittree_type(e->mode) == GIT_OBJECT_TREE;
}

/* git's order: a directory sorts as if its name ended in '/'. */
static int raw_cmp(const struct gittree_ent *a, const struct gittree_ent *b)
{
	size_t n = a->nlen < b->nlen ? a->nlen : b->nlen;
	int c = memcmp(a->name, b->name, n);
	if (c)
		return c;
	unsigned char ca = a->nlen > n ? (unsigned char)a->name[n] : is_tree(a) ? '/' : 0;
	unsigned char cb = b->nlen > n ? (unsigned char)b->name[n] : is_tree(b) ? '/' : 0;
	return ca < cb ? -1 : ca > cb;
}

/* The length of the common prefix of a[0..n) and b[0..n): memcmp over
 * big blocks first (a call per 4 KiB, not per 256 bytes, as most of a
 * directory is the same), then smaller ones inside the block that
 * differs. */
static size_t common_prefix(const unsigned char *a, const unsigned char *b,
			    size_t n)
{
	size_t k = 0;
	for (size_t blk = 4096; blk >= 64; blk /= 8)
		while (k + blk <= n && memcmp(a + k, b + k, blk) == 0)
			k += blk;
	while (k < n && a[k] == b[k])
		k++;
	return k;
}

/* The same from the end: the length of the common suffix of a[0..n) and
 * b[0..n) read backwards from their ends ea and eb. */
static size_t common_suffix(const unsigned char *ea, const unsigned char *eb,
			    size_t n)
{
	size_t k = 0;
	for (size_t blk = 4096; blk >= 64; blk /= 8)
		while (k + blk <= n && memcmp(ea - k - blk, eb - k - blk, blk) == 0)
			k += blk;
	while (k < n && ea[-1 - (ptrdiff_t)k] == eb[-1 - (ptrdiff_t)k])
		k++;
	return k;
}

/* Two versions of a directory usually differ in an entry or two: move
 * both trees past the whole entries of their common prefix (memcmp).
 * An entry ends 21 bytes after the NUL that ends its name (mode and name
 * hold no NUL), so finding the boundaries needs no more than memchr. */
static void skip_prefix(struct rawtree *ta, struct rawtree *tb)
{
	size_t na = (size_t)(ta->end - ta->p), nb = (size_t)(tb->end - tb->p);
	size_t k = common_prefix(ta->p, tb->p, na < nb ? na : nb);
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
}

static int compare_trees(struct worker *w, size_t plen, const git_oid *a,
			 const git_oid *b);

/* One name present in the parent (ea) and/or the commit (eb). */
static int compare_entry(struct worker *w, size_t plen,
			 const struct gittree_ent *ea, const struct gittree_ent *eb)
{
	const struct gittree_ent *e = eb ? eb : ea;
	size_t len = plen + (plen ? 1 : 0) + e->nlen;
	if (len >= sizeof w->path)
		return 0;       /* no wanted path is this long */
	if (plen)
		w->path[plen] = '/';
	memcpy(w->path + len - e->nlen, e->name, e->nlen);
	w->path[len] = '\0';
	if (is_tree(e)) {
		const size_t *d = dir_index(w->h, w->path, len);
		if (!d || !w->unknown[*d])
			return 0;       /* nothing wanted (any more) below */
		git_oid ia, ib;
		if (ea)
			memcpy(ia.id, ea->id, GIT_OID_RAWSZ);
		if (eb)
			memcpy(ib.id, eb->id, GIT_OID_RAWSZ);
		return compare_trees(w, len, ea ? &ia : NULL, eb ? &ib : NULL);
	}
	if (ea && eb) {
		if (memcmp(ea->id, eb->id, GIT_OID_RAWSZ) == 0 && ea->mode == eb->mode)
			return 0;
		note(w, len, HISTORY_MODIFIED);
	} else {
		note(w, len, eb ? HISTORY_ADDED : HISTORY_DELETED);
	}
	return 0;
}

/* Compare the parent's tree a with the commit's tree b (either may be
 * NULL: absent) at w->path[0..plen). Both trees are sorted in git's
 * order, so one merge pass pairs equal names. */
static int compare_trees(struct worker *w, size_t plen, const git_oid *a,
			 const git_oid *b)
{
	if (a && b && gitoid_equal(a, b))
		return 0;
	struct rawtree ta, tb;
	if (raw_open(w, a, &ta) < 0)
		return -1;
	if (raw_open(w, b, &tb) < 0) {
		raw_close(w, &ta);
		return -1;
	}
	/* The length of the common suffix: where both trees have that much
	 * left at entry boundaries, the rest is the same entries. Between
	 * changes, runs of unchanged entries are skipped like the prefix. */
	size_t same_tail = 0;
	if (a && b) {
		skip_prefix(&ta, &tb);
		size_t na = (size_t)(ta.end - ta.p), nb = (size_t)(tb.end - tb.p);
		same_tail = common_suffix(ta.end, tb.end, na < nb ? na : nb);
	}
	int rc = 0, ha = 0, hb = 0;
	while (rc == 0 && w->remaining) {
		size_t na = (size_t)(ta.end - ta.p), nb = (size_t)(tb.end - tb.p);
		if (na == nb && na <= same_tail)
			break;          /* also: both at their ends */
		if (na && nb) {
			skip_prefix(&ta, &tb);
			na = (size_t)(ta.end - ta.p);
			nb = (size_t)(tb.end - tb.p);
			if (na == nb && na <= same_tail)
				break;
		}
		struct rawtree pa = ta, pb = tb;        /* peek */
		struct gittree_ent ea, eb;
		ha = na ? raw_next(&pa, &ea) : 0;
		hb = nb ? raw_next(&pb, &eb) : 0;
		if (ha < 0 || hb < 0 || (!ha && !hb))
			break;
		int c = !ha ? 1 : !hb ? -1 : raw_cmp(&ea, &eb);
		if (c == 0 && is_tree(&ea) != is_tree(&eb))
			c = 1;  /* cannot happen in git order; be safe */
		if (c < 0) {
			rc = compare_entry(w, plen, &ea, NULL);
			ta.p = pa.p;
		} else if (c > 0) {
			rc = compare_entry(w, plen, NULL, &eb);
			tb.p = pb.p;
		} else {
			rc = compare_entry(w, plen, &ea, &eb);
			ta.p = pa.p;
			tb.p = pb.p;
		}
	}
	if (ha < 0 || hb < 0) {
		snprintf(w->err, sizeof w->err, "corrupt tree object at '%.200s'", w->path);
		rc = -1;
	}
	w->path[plen] = '\0';
	raw_close(w, &ta);
	raw_close(w, &tb);
	return rc;
}

/* A commit the walk has met: read once, when it is first queued. */
struct cinfo {
	git_oid id, tree;
	long long time;
	size_t n_parents;
	git_oid *parents;       /* in the history's arena */
	int missing;            /* not in the repository (a shallow edge) */
};

/* The walk's queue: commits by committer time, newest first, and in
 * insertion order among equal times, as git log orders them. */
struct qent {
	long long time;
	size_t seq;
	struct cinfo *c;
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

static void qpush(struct queue *q, struct cinfo *c)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->v = xrealloc(q->v, q->cap * sizeof *q->v);
	}
	size_t i = q->n++;
	struct qent e = { c->time, q->seq++, c };
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

/* Commits met: an open-addressing set by id, grown at half full. */
struct cset {
	struct cinfo **v;
	size_t n, mask;
};

static size_t oid_hash(const git_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof h);  /* ids are uniformly random */
	return h;
}

static struct cinfo **cset_slot(struct cset *s, const git_oid *id)
{
	size_t i = oid_hash(id) & s->mask;
	while (s->v[i] && !gitoid_equal(&s->v[i]->id, id))
		i = (i + 1) & s->mask;
	return &s->v[i];
}

static void cset_add(struct cset *s, struct cinfo *c)
{
	if (2 * (s->n + 1) > s->mask + 1) {
		struct cset t = { 0 };
		t.mask = s->mask ? 2 * s->mask + 1 : 1023;
		t.v = xcalloc(t.mask + 1, sizeof *t.v);
		for (size_t i = 0; s->mask && i <= s->mask; i++)
			if (s->v[i])
				*cset_slot(&t, &s->v[i]->id) = s->v[i];
		free(s->v);
		*s = t;
	}
	*cset_slot(s, &c->id) = c;
	s->n++;
}

static struct cinfo *cset_get(struct cset *s, const git_oid *id)
{
	return s->mask ? *cset_slot(s, id) : NULL;
}

/* The walk: commits newest first, each read and queued once. */
struct walk {
	struct queue q;
	struct cset seen;
};

/* Commit id, read and parsed into the history's arena, and noted as met.
 * A parent (may_miss) missing in a shallow clone is its edge: met,
 * marked missing. NULL, with h->err, when it cannot be read. */
static struct cinfo *meet(struct history *h, struct walk *wk, const git_oid *id,
			  bool may_miss)
{
	struct cinfo *c = arena_alloc(&h->arena, sizeof *c);
	memset(c, 0, sizeof *c);
	c->id = *id;
	struct gitobj o;
	struct gitcommit gc;
	char hex[GIT_OID_HEXSZ + 1];
	if (objects_get(h->objs, id, &o, h->err, sizeof h->err) < 0) {
		if (!may_miss || !h->shallow)
			return NULL;
		c->missing = 1;
		cset_add(&wk->seen, c);
		return c;
	}
	if (o.type != GIT_OBJECT_COMMIT || gitcommit_parse(o.data, o.len, &gc) < 0) {
		gitoid_tohex(id, hex);
		snprintf(h->err, sizeof h->err, "object %s is not a commit git can read", hex);
		objects_put(h->objs, &o);
		return NULL;
	}
	c->tree = gc.tree;
	c->time = gc.time;
	c->n_parents = gc.n_parents;
	c->parents = arena_alloc(&h->arena, (gc.n_parents ? gc.n_parents : 1) * sizeof *c->parents);
	for (size_t i = 0; i < gc.n_parents; i++)
		gitcommit_parent(&gc, i, &c->parents[i]);
	objects_put(h->objs, &o);
	cset_add(&wk->seen, c);
	return c;
}

/* Queue c's parents not met before. A missing parent is the edge of a
 * shallow clone (dates beyond it stay unknown), and an error otherwise. */
static int queue_parents(struct history *h, const struct cinfo *c, struct walk *wk)
{
	for (size_t i = 0; i < c->n_parents; i++) {
		if (cset_get(&wk->seen, &c->parents[i]))
			continue;
		struct cinfo *p = meet(h, wk, &c->parents[i], true);
		if (!p)
			return -1;
		if (!p->missing)
			qpush(&wk->q, p);
	}
	return 0;
}

/* Our own walk rather than git_revwalk: libgit2 1.5's revwalk fails (and
 * leaks) at a shallow clone's missing parents. */
static int walk_start(struct history *h, struct walk *wk, const git_oid *commit)
{
	memset(wk, 0, sizeof *wk);
	struct cinfo *c = meet(h, wk, commit, false);   /* the start must be there */
	if (!c)
		return -1;
	qpush(&wk->q, c);
	return 0;
}

static void walk_end(struct walk *wk)
{
	free(wk->q.v);
	free(wk->seen.v);
}

/* The next commit to compare with its first parent: 1 and *job, 0 at the
 * end of the history, -1 on error. A merge is skipped (see history.h); so
 * is a commit whose parent is missing (the boundary of a shallow clone):
 * its diff cannot be known. */
static int walk_next(struct history *h, struct walk *wk, struct job *job)
{
	while (wk->q.n) {
		const struct cinfo *c = qpop(&wk->q).c;
		h->walked++;
		if (queue_parents(h, c, wk) < 0)
			return -1;
		if (c->n_parents > 1)
			continue;
		const struct cinfo *p = c->n_parents ? cset_get(&wk->seen, &c->parents[0]) : NULL;
		if (p && p->missing)
			continue;
		job->id = c->id;
		job->tree = c->tree;
		if (p)
			job->ptree = p->tree;
		job->root = p == NULL;
		job->time = c->time;
		return 1;
	}
	return 0;
}

/* Compare blocks of the chunk's jobs, in order, until none is left or
 * every path the worker looks for is found. */
static void run_worker(struct worker *w)
{
	struct run *run = w->run;
	while (w->remaining) {
		size_t from = atomic_fetch_add(&run->next, BLOCK);
		if (from >= run->n)
			return;
		size_t to = run->n - from < BLOCK ? run->n : from + BLOCK;
		for (w->cur = from; w->cur < to && w->remaining; w->cur++) {
			const struct job *j = &run->jobs[w->cur];
			w->path[0] = '\0';
			if (compare_trees(w, 0, j->root ? NULL : &j->ptree, &j->tree) < 0) {
				w->rc = -1;
				/* the others stop too: take every block */
				atomic_store(&run->next, run->n);
				return;
			}
		}
	}
}

static void *worker_thread(void *arg)
{
	run_worker(arg);
	return NULL;
}

/* Ready w for a chunk: it looks for the paths not known yet. */
static void worker_reset(struct worker *w, struct run *run)
{
	struct history *h = w->h;
	for (size_t i = 0; i < w->n_hits; i++)
		w->found[w->hits[i]] = NO_JOB;
	w->n_hits = 0;
	memcpy(w->unknown, h->unknown, h->n_dirs * sizeof *w->unknown);
	w->remaining = h->remaining;
	w->run = run;
	w->rc = 0;
}

/* Take the workers' findings: of the changes to a path, the earliest in
 * walk order is its last change. */
static void merge_run(struct history *h, const struct run *run)
{
	for (size_t k = 0; k < h->n_workers; k++) {
		const struct worker *w = &h->workers[k];
		for (size_t i = 0; i < w->n_hits; i++) {
			size_t p = w->hits[i];
			if (h->best[p] == NO_JOB || w->found[p] < h->best[p])
				h->best[p] = w->found[p];
		}
	}
	for (size_t k = 0; k < h->n_workers; k++) {
		const struct worker *w = &h->workers[k];
		for (size_t i = 0; i < w->n_hits; i++) {
			size_t p = w->hits[i];
			struct rec *r = &h->recs[p];
			if (r->known || h->best[p] != w->found[p])
				continue;       /* known before, or another's */
			const struct job *j = &run->jobs[w->found[p]];
			h->best[p] = NO_JOB;
			r->known = 1;
			r->ev.time = j->time;
			r->ev.path = r->path;
			r->ev.kind = w->kind[p];
			gitoid_tohex(&j->id, r->ev.commit);
			h->remaining--;
			for (size_t c = r->len; c-- > 0;) {
				const size_t *d = r->path[c] == '/' ?
					dir_index(h, r->path, c) : NULL;
				if (d && h->unknown[*d])
					h->unknown[*d]--;
			}
		}
	}
}

/* Up to n next jobs of the walk into v: their number, or -1. */
static long fill(struct history *h, struct walk *wk, struct job *v, size_t n)
{
	size_t k = 0;
	int more = 1;
	while (k < n && (more = walk_next(h, wk, &v[k])) == 1)
		k++;
	return more < 0 ? -1 : (long)k;
}

/* The walk, compared chunk by chunk: while the other workers compare one
 * chunk, the caller's thread walks to the next (reading commits is a
 * tenth of the work), then joins them as worker 0. */
static int walk(struct history *h, const git_oid *commit, struct diags *d)
{
	struct walk wk;
	const char *err = NULL;
	int rc = walk_start(h, &wk, commit);
	struct job *cur = xmalloc(CHUNK_MAX * sizeof *cur);
	struct job *next = xmalloc(CHUNK_MAX * sizeof *next);
	size_t chunk = CHUNK_FIRST;
	long n = 0;
	while (rc == 0 && h->remaining) {
		if (n == 0) {
			size_t want = h->walked < SERIAL_COMMITS ? 1 : chunk;
			n = fill(h, &wk, cur, want);
			if (want > 1 && chunk < CHUNK_MAX)
				chunk *= 2;
		}
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		size_t nw = (size_t)n > BLOCK ? h->n_workers : 1;
		struct run run = { cur, (size_t)n, 0 };
		pthread_t tid[MAX_WORKERS];
		int started[MAX_WORKERS] = { 0 };
		for (size_t k = 0; k < h->n_workers; k++)
			worker_reset(&h->workers[k], &run);
		for (size_t k = 1; k < nw; k++)
			started[k] = pthread_create(&tid[k], NULL, worker_thread,
						    &h->workers[k]) == 0;
		long m = 0;
		if (h->walked >= SERIAL_COMMITS) {
			m = fill(h, &wk, next, chunk);
			if (chunk < CHUNK_MAX)
				chunk *= 2;
		}
		run_worker(&h->workers[0]);
		for (size_t k = 1; k < nw; k++)
			if (started[k])
				pthread_join(tid[k], NULL);
		for (size_t k = 0; k < nw && rc == 0; k++) {
			if (h->workers[k].rc < 0) {
				err = h->workers[k].err;
				rc = -1;
			}
		}
		if (rc == 0 && m < 0)
			rc = -1;        /* the walk's error, from this thread */
		if (rc < 0)
			break;
		merge_run(h, &run);
		struct job *t = cur;
		cur = next;
		next = t;
		n = m;
	}
	if (rc < 0)
		diag_add(d, "(git)", 0, 0, "history: %s", err ? err : h->err);
	free(cur);
	free(next);
	walk_end(&wk);
	return rc;
}

/* Workers: one per core, up to MAX_WORKERS, all reading the one
 * struct objects. */
static void start_workers(struct history *h)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = cores < 1 ? 1 : cores > MAX_WORKERS ? MAX_WORKERS : (size_t)cores;
	for (size_t k = 0; k < want; k++) {
		struct worker *w = &h->workers[k];
		w->h = h;
		w->objs = h->objs;
		w->unknown = xcalloc(h->n_dirs ? h->n_dirs : 1, sizeof *w->unknown);
		w->found = xmalloc((h->n_recs ? h->n_recs : 1) * sizeof *w->found);
		for (size_t i = 0; i < h->n_recs; i++)
			w->found[i] = NO_JOB;
		w->kind = xcalloc(h->n_recs ? h->n_recs : 1, sizeof *w->kind);
		w->hits = xmalloc((h->n_recs ? h->n_recs : 1) * sizeof *w->hits);
		h->n_workers++;
	}
	h->best = xmalloc((h->n_recs ? h->n_recs : 1) * sizeof *h->best);
	for (size_t i = 0; i < h->n_recs; i++)
		h->best[i] = NO_JOB;
}

static void stop_workers(struct history *h)
{
	for (size_t k = 0; k < h->n_workers; k++) {
		struct worker *w = &h->workers[k];
		free(w->unknown);
		free(w->found);
		free(w->kind);
		free(w->hits);
		memset(w, 0, sizeof *w);
	}
	h->n_workers = 0;
	free(h->best);
	h->best = NULL;
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

struct history *history_compute(struct objects *objs, int shallow, const git_oid *commit,
				const char *const *paths, size_t n, struct diags *d)
{
	if (!objs || !commit) {
		diag_add(d, "(git)", 0, 0, "history: no commit to start from");
		return NULL;
	}
	struct history *h = xcalloc(1, sizeof *h);
	arena_init(&h->arena);
	h->objs = objs;
	h->shallow = shallow;
	h->recs = xcalloc(n ? n : 1, sizeof *h->recs);
	size_t ndirs = 0;       /* at most one directory per '/' */
	for (size_t i = 0; i < n; i++)
		for (const char *q = paths[i]; *q; q++)
			ndirs += *q == '/';
	strmap_init(&h->files, n ? n : 1);
	strmap_init(&h->dirs, ndirs ? ndirs : 1);
	for (size_t i = 0; i < n; i++)
		want(h, paths[i]);
	count_dirs(h);
	start_workers(h);
	int rc = walk(h, commit, d);
	stop_workers(h);
	if (rc < 0) {
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
	stop_workers(h);
	free(h->unknown);
	free(h->recs);
	strmap_free(&h->files);
	strmap_free(&h->dirs);
	arena_free(&h->arena);
	free(h);
}
