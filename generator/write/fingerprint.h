/* fingerprint.h - the no-change rebuild: recognise, without loading or
 * parsing anything, that a site was built from exactly these inputs and is
 * still as that build left it.
 *
 * The identity of a build is a hash over
 *   - the options that can change bytes (command, --ref and the commit or
 *     tree it resolved to, --date as resolved, --relay-url, --root,
 *     --content, --themes, --out);
 *   - the sitegen binary and every shared library loaded into it
 *     (path, device, inode, size, mtime, ctime): a new build or a library
 *     update (cmark, libyaml, libgit2) may render differently;
 *   - every input: for --ref the commit id and the tree id (blob ids are
 *     inside it), or, when the revision was resolved from .git's files
 *     alone (git/refquick.h), the commit id only: it names its tree, and
 *     libgit2 is then not loaded, so its libraries are not in the
 *     identity either (what it reads is addressed by that id: another
 *     libgit2 cannot read other bytes); for the working tree every entry below the content and
 *     themes directories (path, type, device, inode, size, mtime, ctime; an
 *     editor's save changes mtime and ctime, a rename changes the path, a
 *     `cp -p` or `touch -r` still changes ctime); an input changed within
 *     20 ms of now (one tick of the coarse clock that stamps files) leaves
 *     the build without an identity, as git re-hashes "racily clean" files.
 * <out>/.sitegen-fingerprint keeps that hash, the number of files, and the
 * state of the output tree the build left (inode and mtime of every
 * directory, and of every file in the top directory), so a file added to
 * or removed from site/ by hand also makes the next build a real one; its
 * last line is a CRC-32 of the others, so a line lost to damage (which
 * would leave a directory unchecked) is not taken either. Any
 * doubt (missing or damaged file, other hash) means a real build, which
 * itself only renders what changed (cachekey.h). */
#ifndef FINGERPRINT_H
#define FINGERPRINT_H
#include <stddef.h>
#include <stdint.h>
#include "../load/source.h"
#include "../util/buf.h"

#define FINGERPRINT_NAME ".sitegen-fingerprint"

struct fp_opts {
	const char *cmd, *ref, *out, *date, *relay_url, *root, *content, *themes;
	const char *content_dir;    /* working tree: directory walked, e.g. "./content" */
	const char *themes_dir;     /* working tree: e.g. "./themes" */
	char tree_id[41];           /* --ref: tree id of the revision ("" otherwise) */
	char quick_commit[41];      /* --ref resolved without libgit2: the commit
				     * (then tree_id and the source are unused) */
	/* working tree: where to list the regular files below content_dir
	 * with the stat the walk took, or NULL */
	struct fp_files *files;
};

/* The content files a working-tree walk stat'ed. A build that is not
 * skipped hands them to the source (fp_files_tell: source.h stat_seen,
 * each named as the source names it, content + its path below
 * content_dir), which then need not stat them again to know the
 * unchanged ones' ids. Kept as the offsets of their lines in the text
 * the identity was computed from: a skipped build pays next to nothing
 * for them. */
struct fp_files {
	struct buf text;        /* the identity's text */
	uint32_t *at;           /* offsets of the files' lines in it */
	size_t n, cap;
	const char *rel;        /* fp_opts.content */
	size_t base;            /* strlen(fp_opts.content_dir) */
};
void fp_files_init(struct fp_files *f);
/* src->stat_seen of each (when the source has one). */
void fp_files_tell(const struct fp_files *f, struct source *src);
void fp_files_free(struct fp_files *f);

/* The identity (40 hex + NUL) of a build of src with these options.
 * 0 ok, -1 when it cannot be computed or an input is too young to be
 * told from a later change (then build normally, and record none). */
int fingerprint_compute(const struct fp_opts *o, const struct source *src, char id[41]);
/* 1 when out holds the untouched result of a build with this identity;
 * *files: the number of files that build left. 0 otherwise. */
int fingerprint_match(const char *out, const char *id, size_t *files);
/* Record a finished build in out. 0 ok, -1 (errno) when it cannot be
 * written: the next build is then simply a real one. */
int fingerprint_store(const char *out, const char *id, size_t files);
/* Forget the recorded build (before out is changed). */
void fingerprint_forget(const char *out);
#endif
