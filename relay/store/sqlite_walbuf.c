/* sqlite_walbuf.c - a VFS over SQLite's own ("unix") that gathers the
 * writes to a WAL file into one pwrite(2) per transaction.
 *
 * Why: SQLite writes each WAL frame as two pwrites, its 24-byte header and
 * its page; a batch of 30 submissions is ~60 frames, 120 system calls,
 * and on the virtual machines we run on a system call costs several
 * microseconds. The writer thread is the relay's bottleneck, and those
 * writes were its largest single cost (bench/HISTORY.md, issue 13 point 6).
 *
 * How, and why it is safe: writes to the WAL are appended to a buffer as
 * long as each continues where the last ended. The buffer goes to the file
 *   - when a write does not continue it (it is then buffered anew: the
 *     order of the writes, and so the bytes on disk, stay the same),
 *   - when it would overflow,
 *   - right after the page of a commit frame (the frame header's bytes
 *     4-7, "size of the database after the commit", are not zero: the WAL
 *     file format) - so a commit's frames are in the file, and a failure
 *     to write them is returned by that write, before SQLite publishes the
 *     commit in the wal-index and whatever synchronous level is set,
 *   - and before every other operation on the file (read, size, truncate,
 *     sync, lock, memory map, close), so SQLite never sees a file that
 *     lacks what it wrote.
 * (The wal-index, where a commit is published, is the database file's
 * shared memory: the WAL file has no xShm* methods, and this one none.)
 * Files other than a WAL are SQLite's own, untouched: their methods are
 * the default VFS's, on the same memory. */
#include "sqlite_int.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define WALBUF_VFS "relay-walbuf"
#define WALBUF_SIZE (64 * 1024)     /* 16 frames of 4 KiB; small: RSS counts */
#define FRAME_HEADER 24

struct walbuf {
	sqlite3_file base;          /* first: SQLite sees this */
	sqlite3_file *real;         /* the default VFS's file, after us */
	unsigned char *buf;         /* WALBUF_SIZE, on the first write */
	size_t len;
	sqlite3_int64 off;          /* where buf[0] goes */
	int commit_page_next;       /* the last write was a commit's header */
};

static sqlite3_vfs *base_vfs;
static sqlite3_vfs walbuf_vfs;
static sqlite3_io_methods walbuf_methods;

static int flush(struct walbuf *w)
{
	if (!w->len)
		return SQLITE_OK;
	int rc = w->real->pMethods->xWrite(w->real, w->buf, (int)w->len, w->off);
	w->len = 0;         /* written or failed: a failed commit rolls back */
	return rc;
}

static int is_commit_header(const void *data, int amt)
{
	const unsigned char *h = data;
	return amt == FRAME_HEADER && (h[4] | h[5] | h[6] | h[7]) != 0;
}

static int wb_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
	struct walbuf *w = (struct walbuf *)f;
	int commit_page = w->commit_page_next;
	w->commit_page_next = is_commit_header(data, amt);
	if (!w->buf && !(w->buf = sqlite3_malloc(WALBUF_SIZE)))
		return w->real->pMethods->xWrite(w->real, data, amt, off);
	int rc = SQLITE_OK;
	if (w->len && (off != w->off + (sqlite3_int64)w->len ||
		       w->len + (size_t)amt > WALBUF_SIZE))
		rc = flush(w);
	if (rc != SQLITE_OK)
		return rc;
	if ((size_t)amt > WALBUF_SIZE)
		return w->real->pMethods->xWrite(w->real, data, amt, off);
	if (!w->len)
		w->off = off;
	memcpy(w->buf + w->len, data, (size_t)amt);
	w->len += (size_t)amt;
	return commit_page ? flush(w) : SQLITE_OK;
}

/* Every other method: first the buffer, then the default VFS's. */
#define REAL(w) ((struct walbuf *)(w))->real
#define FLUSHED(f) \
	do { \
		int frc_ = flush((struct walbuf *)(f)); \
		if (frc_ != SQLITE_OK) \
			return frc_; \
	} while (0)

static int wb_close(sqlite3_file *f)
{
	struct walbuf *w = (struct walbuf *)f;
	int rc = flush(w);
	int crc = w->real->pMethods->xClose(w->real);
	sqlite3_free(w->buf);
	w->buf = NULL;
	return rc != SQLITE_OK ? rc : crc;
}

static int wb_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
	FLUSHED(f);
	return REAL(f)->pMethods->xRead(REAL(f), p, amt, off);
}

static int wb_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	FLUSHED(f);
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int wb_sync(sqlite3_file *f, int flags)
{
	FLUSHED(f);
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int wb_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	FLUSHED(f);
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int wb_lock(sqlite3_file *f, int level)
{
	FLUSHED(f);
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int wb_unlock(sqlite3_file *f, int level)
{
	FLUSHED(f);
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int wb_check_reserved(sqlite3_file *f, int *out)
{
	FLUSHED(f);
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int wb_file_control(sqlite3_file *f, int op, void *arg)
{
	FLUSHED(f);
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int wb_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int wb_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int wb_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	FLUSHED(f);
	return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}

static int wb_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

/* The real file sits after struct walbuf, aligned for any type. */
static size_t real_offset(void)
{
	return (sizeof(struct walbuf) + 15) & ~(size_t)15;
}

static int wb_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f,
		   int flags, int *out_flags)
{
	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return base_vfs->xOpen(base_vfs, name, f, flags, out_flags);
	struct walbuf *w = (struct walbuf *)f;
	memset(w, 0, sizeof *w);
	w->real = (sqlite3_file *)((char *)f + real_offset());
	int rc = base_vfs->xOpen(base_vfs, name, w->real, flags, out_flags);
	if (rc != SQLITE_OK || !w->real->pMethods) {
		/* a failed open may still need its close (sqlite3_vfs's rule);
		 * ours then has no methods, so SQLite calls no xClose on it */
		if (w->real->pMethods)
			w->real->pMethods->xClose(w->real);
		w->base.pMethods = NULL;
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	/* the wal-index is the database file's shared memory, so a WAL
	 * file has no xShm* methods; xFetch and xUnfetch it has from
	 * version 3 on */
	const sqlite3_io_methods *m = w->real->pMethods;
	if (m->iVersion < 3 || m->xShmMap || !m->xFetch || !m->xUnfetch) {
		/* not the unix VFS we know: leave the file alone */
		m->xClose(w->real);
		return base_vfs->xOpen(base_vfs, name, f, flags, out_flags);
	}
	w->base.pMethods = &walbuf_methods;
	return SQLITE_OK;
}

/* The other VFS methods are the default VFS's, called with it. */
static int wb_delete(sqlite3_vfs *v, const char *n, int sync)
{
	(void)v;
	return base_vfs->xDelete(base_vfs, n, sync);
}

static int wb_access(sqlite3_vfs *v, const char *n, int flags, int *out)
{
	(void)v;
	return base_vfs->xAccess(base_vfs, n, flags, out);
}

static int wb_full_pathname(sqlite3_vfs *v, const char *n, int len, char *out)
{
	(void)v;
	return base_vfs->xFullPathname(base_vfs, n, len, out);
}

static void *wb_dl_open(sqlite3_vfs *v, const char *n)
{
	(void)v;
	return base_vfs->xDlOpen(base_vfs, n);
}

static void wb_dl_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	base_vfs->xDlError(base_vfs, n, out);
}

static void (*wb_dl_sym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return base_vfs->xDlSym(base_vfs, h, sym);
}

static void wb_dl_close(sqlite3_vfs *v, void *h)
{
	(void)v;
	base_vfs->xDlClose(base_vfs, h);
}

static int wb_randomness(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return base_vfs->xRandomness(base_vfs, n, out);
}

static int wb_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return base_vfs->xSleep(base_vfs, us);
}

static int wb_current_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return base_vfs->xCurrentTime(base_vfs, out);
}

static int wb_last_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return base_vfs->xGetLastError ? base_vfs->xGetLastError(base_vfs, n, out) : 0;
}

static int wb_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

static int registered = SQLITE_ERROR;

static void register_once(void)
{
	base_vfs = sqlite3_vfs_find(NULL);
	if (!base_vfs || base_vfs->iVersion < 2 || !base_vfs->xCurrentTimeInt64)
		return;
	walbuf_methods = (sqlite3_io_methods){
		.iVersion = 3,
		.xClose = wb_close, .xRead = wb_read, .xWrite = wb_write,
		.xTruncate = wb_truncate, .xSync = wb_sync, .xFileSize = wb_file_size,
		.xLock = wb_lock, .xUnlock = wb_unlock,
		.xCheckReservedLock = wb_check_reserved,
		.xFileControl = wb_file_control, .xSectorSize = wb_sector_size,
		.xDeviceCharacteristics = wb_device,
		.xFetch = wb_fetch, .xUnfetch = wb_unfetch,
	};
	walbuf_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)(real_offset() + (size_t)base_vfs->szOsFile),
		.mxPathname = base_vfs->mxPathname,
		.zName = WALBUF_VFS,
		.xOpen = wb_open, .xDelete = wb_delete, .xAccess = wb_access,
		.xFullPathname = wb_full_pathname,
		.xDlOpen = wb_dl_open, .xDlError = wb_dl_error,
		.xDlSym = wb_dl_sym, .xDlClose = wb_dl_close,
		.xRandomness = wb_randomness, .xSleep = wb_sleep,
		.xCurrentTime = wb_current_time, .xGetLastError = wb_last_error,
		.xCurrentTimeInt64 = wb_current_time64,
	};
	registered = sqlite3_vfs_register(&walbuf_vfs, 0);
}

const char *sq_walbuf_vfs(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, register_once);
	return registered == SQLITE_OK ? WALBUF_VFS : NULL;
}
