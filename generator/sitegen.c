/* sitegen - builds the umbrella portal and the city portals from content/.
 *
 *   sitegen build [--ref REV] [--out DIR] [--date YYYY-MM-DD] [--relay-url URL]
 *                 [--content DIR] [--root DIR] [-j N]
 *   sitegen check [--ref REV] [--date YYYY-MM-DD] [--content DIR] [--root DIR]
 *
 * Without --ref the working tree is read (editors' preview); with --ref the
 * content and themes come straight from that commit's objects (read
 * natively, libgit2 behind: git/objects.h). */
#include "load/catalog_load.h"
#include "load/source.h"
#include "load/statcache.h"
#include "load/yamlcache.h"
#include "model/facts.h"
#include "git/git_source.h"
#include "git/gitutil.h"
#include "git/refquick.h"
#include "git/site_history.h"
#include "serve/serve.h"
#include "render/site.h"
#include "write/output.h"
#include "write/fingerprint.h"
#include "util/exe_id.h"
#include "util/hugeheap.h"
#include "util/arena.h"
#include "util/datetime.h"
#include <errno.h>
#include <git2.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cli {
	const char *cmd;
	int port;
	const char *ref, *out, *date, *relay_url, *content, *root, *themes;
	int threads;
	char today[11];
};

static void usage(FILE *f)
{
	fputs("usage: sitegen build [--ref REV] [--out DIR] [--date YYYY-MM-DD]\n"
	      "                     [--relay-url URL] [--content DIR] [--themes DIR] [--root DIR] [-j N]\n"
	      "       sitegen check [--ref REV] [--date YYYY-MM-DD] [--content DIR] [--root DIR]\n"
	      "       sitegen serve [--port N] [build options]   preview on 127.0.0.1,\n"
	      "                     rebuilding when content/ or themes/ change\n"
	      "\n"
	      "  --ref REV       build from a git revision (branch, tag, commit, tree id);\n"
	      "                  default: the working tree\n"
	      "  --root DIR      project root holding content/ and themes/ (default .)\n"
	      "  --content DIR   content directory below the root (default content)\n"
	      "  --themes DIR    themes directory (default: themes below the root)\n"
	      "  --out DIR       output directory (default site), replaced atomically\n"
	      "  --date DATE     build date for launch and availability dates (default today in Berlin)\n"
	      "  --relay-url URL form action base (default: relay_url of region.yml)\n"
	      "  -j N            threads for loading and rendering (default 2)\n", f);
}

static int parse_args(int argc, char **argv, struct cli *c)
{
	memset(c, 0, sizeof *c);
	c->out = "site";
	c->content = "content";
	c->root = ".";
	c->threads = 2;
	if (argc < 2)
		return -1;
	c->cmd = argv[1];
	c->port = 8080;
	if (strcmp(c->cmd, "build") && strcmp(c->cmd, "check") && strcmp(c->cmd, "serve"))
		return -1;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--ref") == 0) slot = &c->ref;
		else if (strcmp(a, "--out") == 0) slot = &c->out;
		else if (strcmp(a, "--date") == 0) slot = &c->date;
		else if (strcmp(a, "--relay-url") == 0) slot = &c->relay_url;
		else if (strcmp(a, "--content") == 0) slot = &c->content;
		else if (strcmp(a, "--root") == 0) slot = &c->root;
		else if (strcmp(a, "--themes") == 0) slot = &c->themes;
		else if (strcmp(a, "--port") == 0) {
			if (i + 1 >= argc || (c->port = atoi(argv[++i])) < 1 || c->port > 65535) {
				fprintf(stderr, "sitegen: --port needs a number from 1 to 65535\n");
				return -1;
			}
			continue;
		} else if (strcmp(a, "-j") == 0) {
			if (i + 1 >= argc || (c->threads = atoi(argv[++i])) < 1 || c->threads > 64) {
				fprintf(stderr, "sitegen: -j needs a number from 1 to 64\n");
				return -1;
			}
			continue;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "sitegen: unknown option '%s'\n", a);
			return -1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "sitegen: %s needs a value\n", a);
			return -1;
		}
		*slot = argv[++i];
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The identity of this build (write/fingerprint.h); -1: none. With
 * quick (a commit refquick_resolve found), the identity of a --ref build
 * of that commit, before and without opening the repository (src NULL).
 * files: the content files the walk stat'ed, or NULL. */
static int build_identity(const struct cli *c, struct source *src, const char *quick,
			  struct fp_files *files, char id[41])
{
	char cdir[4096], tdir[4096];
	int remapped = c->themes && strcmp(c->themes, "themes") != 0;
	int w1 = snprintf(cdir, sizeof cdir, "%s/%s", c->root, c->content);
	int w2 = remapped ? snprintf(tdir, sizeof tdir, "%s", c->themes) :
		snprintf(tdir, sizeof tdir, "%s/themes", c->root);
	if (w1 < 0 || (size_t)w1 >= sizeof cdir || w2 < 0 || (size_t)w2 >= sizeof tdir)
		return -1;
	struct fp_opts o = { .cmd = c->cmd, .ref = c->ref, .out = c->out, .date = c->date,
			     .relay_url = c->relay_url, .root = c->root, .content = c->content,
			     .themes = c->themes, .content_dir = cdir, .themes_dir = tdir };
	if (quick)
		memcpy(o.quick_commit, quick, sizeof o.quick_commit);
	else if (c->ref && source_git_tree_id(src, o.tree_id) < 0)
		return -1;
	o.files = files;
	return fingerprint_compute(&o, src, id);
}

/* build.json: what this build was made from. The only file that names
 * the build's own commit; pages name the commit of their own inputs. */
static int write_build_json(struct source *src, const struct cli *c, struct output *out)
{
	struct buf b;
	buf_init(&b, 0);
	buf_puts(&b, "{\n  \"generator\": \"sitegen\",\n  \"source\": \"");
	buf_put_json(&b, src->label, strlen(src->label));
	buf_puts(&b, "\",\n  \"commit\": ");
	if (src->commit) {
		buf_putc(&b, '"');
		buf_put_json(&b, src->commit, strlen(src->commit));
		buf_putc(&b, '"');
	} else {
		buf_puts(&b, "null");
	}
	char when[32] = "";
	time_t t = (time_t)src->commit_time;
	struct tm tm;
	if (src->commit && (!gmtime_r(&t, &tm) ||
			    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0))
		die("cannot format the commit time");
	buf_printf(&b, ",\n  \"commit_time\": %s%s%s,\n  \"date\": \"", *when ? "\"" : "",
		   *when ? when : "null", *when ? "\"" : "");
	buf_put_json(&b, c->date, strlen(c->date));
	buf_puts(&b, "\"\n}\n");
	/* the appends are checked once, by output_write_buf */
	int rc = output_write_buf(out, "build.json", &b, NULL);
	buf_free(&b);
	return rc;
}

/* The catalogue, with the YAML trees of unchanged files from the last
 * build's cache "<out>.yaml-cache" (load/yamlcache.h), which is written
 * again right after loading: its trees are valid whether or not the
 * build succeeds. The trees' scalars point into the old file's mapping
 * (*yc), so the caller frees *yc after the catalogue. */
static struct catalog *load_catalog(const struct cli *c, struct source *src, int check,
				    struct yaml_cache **yc, struct diags *d)
{
	*yc = NULL;
	if (check)
		return catalog_load(src, c->content, d);
	char path[4096];
	int w = snprintf(path, sizeof path, "%s%s", c->out, YAML_CACHE_SUFFIX);
	if (w < 0 || (size_t)w >= sizeof path)
		return catalog_load(src, c->content, d);
	*yc = yaml_cache_open(path);
	struct catalog *cat = catalog_load_cached(src, c->content, *yc, c->threads, d);
	if (cat && yaml_cache_save(*yc) < 0)
		fprintf(stderr, "sitegen: warning: cannot write %s: %s (the next build parses "
			"every file)\n", path, strerror(errno));
	return cat;
}

/* output_open on a thread of its own, beside the loading of the
 * catalogue: reading the deployed tree and its page keys and claiming the
 * staging tree need nothing of the catalogue, and were a third of what a
 * one-edit rebuild did before rendering. Its diagnostics are its own
 * until it is joined (a struct diags is for one thread). */
struct opener {
	const char *dest;
	int check;
	struct source *src;
	struct diags d;
	struct output *out;
	struct theme_env *theme;
};

static void *open_output(void *arg)
{
	struct opener *op = arg;
	op->out = output_open(op->dest, op->check, &op->d);
	/* The default theme's templates need nothing of the catalogue
	 * either: compiled here, they were a twentieth of a one-edit
	 * rebuild's time on the path the pages wait for. */
	if (op->out)
		op->theme = renderer_theme_open(op->src);
	return NULL;
}

/* The file ids of earlier builds into c->out ("<out>.stat-cache",
 * load/statcache.h): unchanged files of the working tree are not read to
 * get their ids (a commit names its blobs' ids), and the binary's id is
 * kept there for either. Opened before anything is looked at (its time
 * decides which files are racily clean); NULL for check, which keeps
 * nothing between runs. */
static struct stat_cache *open_stat_cache(const struct cli *c, int check)
{
	char path[4096];
	int w = snprintf(path, sizeof path, "%s%s", c->out, STAT_CACHE_SUFFIX);
	if (check || w < 0 || (size_t)w >= sizeof path)
		return NULL;
	return stat_cache_open(path);
}

/* Saved after the source is closed (no thread asks it any more), after
 * a failed build too: the ids are right whatever the content says. */
static void save_stat_cache(const struct cli *c, struct stat_cache *sc)
{
	if (stat_cache_save(sc) < 0)
		fprintf(stderr, "sitegen: warning: cannot write %s%s: %s (the next build "
			"reads every file)\n", c->out, STAT_CACHE_SUFFIX, strerror(errno));
	stat_cache_free(sc);
}

/* The heap's first step (util/hugeheap.h), advised for huge pages: a
 * rebuild of the bench's catalogue (~12 MB) fits in it; the heap of a
 * build at ten times that grows past it on ordinary pages. (All of a
 * 128 MiB step advised raised that build's peak from 54 to 62-69 MiB:
 * huge pages half used, and the bench's limit is 64.) */
#define HUGE_HEAP_STEP ((size_t)32 << 20)

static int run(struct cli *c, struct diags *d)
{
	if (!c->date) {
		/* the portals' day, not UTC's: launches and availability
		 * windows are German civil days */
		if (!*berlin_today(c->today))
			die("cannot format today's date");
		c->date = c->today;
	} else if (!is_date(c->date)) {
		fprintf(stderr, "sitegen: --date must be YYYY-MM-DD, not '%s'\n", c->date);
		return 2;
	}
	double t0 = now_s();
	int check = strcmp(c->cmd, "check") == 0;
	/* --ref, nothing changed since the last build into c->out: done
	 * without loading libgit2, when .git's files alone say which commit
	 * c->ref names (git/refquick.h) */
	char quick[41], qid[41];
	int have_qid = c->ref && !check && refquick_resolve(c->root, c->ref, quick) == 1 &&
		       build_identity(c, NULL, quick, NULL, qid) == 0;
	size_t fp_files;
	if (have_qid && fingerprint_match(c->out, qid, &fp_files)) {
		printf("0 written, %zu unchanged, 0 removed (commit %.7s, no input changed, "
		       "seen in .git without libgit2, %.3f s)\n", fp_files, quick, now_s() - t0);
		return 0;
	}
	struct stat_cache *sc = open_stat_cache(c, check);
	struct source *src = c->ref ? source_git_open(c->root, c->ref, d) :
		source_fs_open_kept(c->root, sc);
	if (!src) {
		stat_cache_free(sc);
		return 1;
	}
	if (c->themes && strcmp(c->themes, "themes") != 0) {
		if (c->ref) {
			fprintf(stderr, "sitegen: --themes cannot be combined with --ref "
				"(themes come from the commit)\n");
			src->close(src);
			stat_cache_free(sc);
			return 2;
		}
		/* themes from elsewhere: their ids come from reading them */
		src = source_remap_open(src, "themes", source_fs_open(c->themes));
	}
	/* Nothing changed since the last build into c->out: done, without
	 * loading anything. */
	char fp[41];
	struct fp_files seen;
	fp_files_init(&seen);
	int have_fp = !check && build_identity(c, src, NULL, c->ref ? NULL : &seen, fp) == 0;
	if (have_fp && fingerprint_match(c->out, fp, &fp_files)) {
		printf("0 written, %zu unchanged, 0 removed (%s, no input changed, %.3f s)\n",
		       fp_files, src->label, now_s() - t0);
		fp_files_free(&seen);
		src->close(src);
		stat_cache_free(sc);
		return 0;
	}
	/* A real build: its heap on huge pages from here (before any thread
	 * starts), not before: a build that finds nothing changed touches
	 * ~2 MB, and the first touch of a huge page can cost milliseconds
	 * where memory is cold. */
	(void)heap_huge_pages(HUGE_HEAP_STEP);
	/* the working tree's loader takes the unchanged files' ids from the
	 * walk's stats, without stat'ing each file again */
	fp_files_tell(&seen, src);
	fp_files_free(&seen);
	int rc = 1, have_hist = 0;
	struct site_history hist;
	struct opener op = { .dest = c->out, .check = check, .src = src };
	diags_init(&op.d);
	pthread_t tid;
	bool beside = c->threads > 1 && pthread_create(&tid, NULL, open_output, &op) == 0;
	if (!beside)
		open_output(&op);
	struct yaml_cache *yc;
	struct catalog *cat = load_catalog(c, src, check, &yc, d);
	if (beside && pthread_join(tid, NULL) != 0)
		die("cannot join the thread opening the output");
	for (size_t k = 0; k < op.d.n; k++)
		diag_add(d, op.d.v[k].file, op.d.v[k].line, op.d.v[k].col, "%s", op.d.v[k].msg);
	diags_free(&op.d);
	struct output *out = op.out;
	if (out && !cat)
		output_abort(out);
	if (!out || !cat)
		goto done;
	output_set_diags(out, d);
	char binary_id[DIGEST_HEX];
	struct site_opts o = {
		.date = c->date,
		.relay_url = c->relay_url,
		.commit = src->commit,
		.threads = c->threads,
		/* no render thread runs yet: sc is this thread's alone */
		.binary_id = exe_build_id(binary_id) == 0 ||
			     stat_cache_binary_id(sc, binary_id) == 0 ? binary_id : NULL,
		.theme = op.theme,
	};
	if (site_history_open(&hist, src, cat, c->content, d) < 0) {
		output_abort(out);
		goto done;
	}
	have_hist = 1;
	o.history = &hist;
	if (site_render(cat, src, &o, out, d) < 0 || write_build_json(src, c, out) < 0 ||
	    output_check_links(out, d) < 0 || d->n) {
		output_abort(out);
		goto done;
	}
	struct output_stats st;
	size_t reused = output_skipped(out);
	if (!check)
		fingerprint_forget(c->out);
	if (output_commit(out, &st, d) < 0)
		goto done;
	/* The quick identity is recorded when libgit2 found the same commit
	 * (an annotated tag, a tree id, or a reference moved meanwhile: not). */
	if (have_qid && src->commit && strcmp(src->commit, quick) == 0)
		memcpy(fp, qid, sizeof fp);
	else
		have_qid = 0;
	if ((have_fp || have_qid) &&
	    fingerprint_store(c->out, fp, st.written + st.unchanged) < 0)
		fprintf(stderr, "sitegen: warning: cannot record the build in %s/%s: %s "
			"(the next build will not skip)\n", c->out, FINGERPRINT_NAME,
			strerror(errno));
	if (check)
		printf("sitegen: %s is fine (%zu files would be built from %s)\n", c->content,
		       st.written, src->label);
	else
		printf("%zu written, %zu unchanged, %zu removed (%s%s, %zu pages reused without "
		       "rendering, %.2f s)\n", st.written, st.unchanged, st.removed, src->label,
		       c->ref && !gitutil_loaded() ? ", read without libgit2" : "",
		       reused, now_s() - t0);
	rc = 0;
done:
	renderer_theme_free(op.theme);
	if (have_hist)
		site_history_close(&hist);
	catalog_free(cat);
	yaml_cache_free(yc);
	src->close(src);
	save_stat_cache(c, sc);
	return rc;
}

static int serve_rebuild(void *ctx)
{
	struct cli *c = ctx;
	struct diags d;
	diags_init(&d);
	int rc = run(c, &d);
	if (d.n)
		diags_print(&d, stderr);
	diags_free(&d);
	return rc == 0 ? 0 : -1;
}

static int serve(struct cli *c)
{
	if (c->ref) {
		fprintf(stderr, "sitegen: serve previews the working tree; --ref does not apply\n");
		return 2;
	}
	if (serve_rebuild(c) < 0)
		fprintf(stderr, "sitegen: the first build failed; serving the previous site\n");
	char content[4096], themes[4096];
	int w1 = snprintf(content, sizeof content, "%s/%s", c->root, c->content);
	int w2 = snprintf(themes, sizeof themes, "%s", c->themes ? c->themes : "themes");
	if (!c->themes)
		w2 = snprintf(themes, sizeof themes, "%s/themes", c->root);
	if (w1 < 0 || (size_t)w1 >= sizeof content || w2 < 0 || (size_t)w2 >= sizeof themes) {
		fprintf(stderr, "sitegen: path too long\n");
		return 2;
	}
	const char *watch[] = { content, themes };
	struct serve_opts so = { .site_dir = c->out, .port = c->port, .watch = watch,
				 .n_watch = 2, .rebuild = serve_rebuild, .ctx = c };
	return serve_run(&so) == 0 ? 0 : 1;
}

/* glibc serves an allocation of at least the mmap threshold with its own
 * mapping, returned to the system when freed, but raises the threshold
 * to the size of each such block freed (up to 32 MiB): after one big
 * temporary buffer (the fingerprint of 6,000 files, a large page), the
 * next ones come from the heap, where each thread's freed memory stays.
 * How high the threshold climbs depends even on the length of the paths:
 * at ten times the catalogue the peak was 55 or 59 MiB by the directory
 * the catalogue was in. A fixed threshold (the default's starting value)
 * makes it 55 MiB, at no measurable cost in time. */
static void fixed_mmap_threshold(void)
{
	/* 0 under an allocator without this setting (ASan's, in the test
	 * build): there is nothing to fix then, and nothing to report. */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	/* Fixing the threshold fixed the trim threshold too, at 128 KiB:
	 * whenever that much was free at the top of a heap it went back to
	 * the system, and the next page's arena took it again, page fault by
	 * page fault (a tenth of a one-edit rebuild's cpu time). Free memory
	 * up to 32 MiB stays; the peak is the same (it is reused, not
	 * added to). */
	(void)mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
}

int main(int argc, char **argv)
{
	heap_align_start();
	fixed_mmap_threshold();
	struct cli c;
	if (parse_args(argc, argv, &c) < 0) {
		usage(stderr);
		return 2;
	}
	/* libgit2 is initialised when first needed (gitutil_init: the git
	 * source and the history walk): its initialisation loads the system's
	 * TLS certificates (~20 ms, 6 % of a one-edit rebuild), which a build
	 * of the working tree does not need (its ids are util/digest.h's). */
	if (strcmp(c.cmd, "serve") == 0)
		return serve(&c);
	struct diags d;
	diags_init(&d);
	int rc = run(&c, &d);
	if (d.n) {
		size_t n = diags_print(&d, stderr);
		fprintf(stderr, "sitegen: %zu error%s, %s\n", n, n == 1 ? "" : "s",
			strcmp(c.cmd, "check") == 0 ? "check failed" : "nothing written");
		if (rc == 0)
			rc = 1;
	}
	diags_free(&d);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	return rc;
}
