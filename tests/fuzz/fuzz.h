/* fuzz.h - small helpers shared by the libFuzzer harnesses in tests/fuzz/.
 * Header-only: every harness is one .c file linked against the build/fuzz
 * archives it needs (see the Makefile). */
#ifndef FUZZ_H
#define FUZZ_H
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

/* The project root (fixtures, themes): $FUZZ_ROOT, else the checkout the
 * harness was built in. */
static inline const char *fuzz_root(void)
{
	const char *r = getenv("FUZZ_ROOT");
	return r && *r ? r : FUZZ_ROOT;
}

/* The project's code logs to stderr (relayd's key=value lines, diagnostics).
 * At thousands of inputs a second that drowns libFuzzer's own lines, so
 * stdio's stderr goes to /dev/null unless FUZZ_VERBOSE is set. libFuzzer
 * keeps the FILE it took at start-up, and the sanitizers write to fd 2
 * directly: crash reports still appear. */
static inline void fuzz_quiet(void)
{
	if (getenv("FUZZ_VERBOSE"))
		return;
	FILE *null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
}

/* A NUL-terminated copy of the input (the caller frees it). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Writes path with the n bytes at data (a harness's own file: a failure
 * is the machine's, not a finding), or aborts. */
static inline void fuzz_put(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0)
		abort();
}

/* Removes path and everything below it (a harness's scratch tree), best
 * effort: what cannot be removed is left and the rest goes on. Symbolic
 * links are removed, not followed (FTW_PHYS). A missing path is no error. */
static inline int fuzz_rm_one(const char *path, const struct stat *st, int flag,
			      struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	(void)remove(path);
	return 0;
}

static inline void fuzz_rm_tree(const char *path)
{
	(void)nftw(path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A scratch directory "<name>_XXXXXX" made once per process, on /dev/shm
 * when there is one (a harness's fsyncs and renames stay cheap there), and
 * removed when the fuzzer exits (libFuzzer ends a timed run with exit();
 * a crash leaves it for inspection). Aborts when it cannot be made. */
static inline char *fuzz_scratch_dir(void)
{
	static char dir[64];
	return dir;
}

static inline void fuzz_scratch_rm(void)
{
	fuzz_rm_tree(fuzz_scratch_dir());
}

static inline const char *fuzz_scratch(const char *name)
{
	char *dir = fuzz_scratch_dir();
	snprintf(dir, 64, "%s/%s_XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", name);
	if (!mkdtemp(dir) || atexit(fuzz_scratch_rm) != 0)
		abort();
	return dir;
}

/* A fatal property violation: libFuzzer saves the input as crash-*. */
#define FUZZ_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		fprintf(fuzz_err(), "fuzz: %s:%d: property violated: %s: ", \
			__FILE__, __LINE__, #cond); \
		fprintf(fuzz_err(), __VA_ARGS__); \
		fprintf(fuzz_err(), "\n"); \
		abort(); \
	} } while (0)

/* stderr as it was before fuzz_quiet(). */
static inline FILE *fuzz_err(void)
{
	static FILE *f;
	if (!f && (f = fdopen(2, "w")))
		setvbuf(f, NULL, _IONBF, 0);  /* abort() flushes nothing */
	return f ? f : stdout;
}
#endif
