/* util_helpers.c - unit tests of the small shared helpers in
 * generator/util: the bounded buffer's sticky failure, the string map, the
 * UTF-8 decoder, the random source and the program's build-id. */
#include "deliver/mail.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/digits.h"
#include "util/exe_id.h"
#include "util/mapfile.h"
#include "util/random.h"
#include "util/strmap.h"
#include "util/utf8.h"
#include "write/output.h"
#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "util/datetime.h"

/* ---- arena_printf: text and %s joined directly, the rest by vsnprintf ---- */

static void test_arena_printf(void)
{
	struct arena a;
	arena_init(&a);
	char big[600];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	const char *volatile null = NULL;   /* the compiler may not see it */
	char *p1 = arena_printf(&a, "%skategorien/%s.html", "../", "bauen");
	char *p2 = arena_printf(&a, "%s", "");
	char *p3 = arena_printf(&a, "ohne");
	char *p4 = arena_printf(&a, "%s-%zu", "feld", (size_t)3);
	char *p5 = arena_printf(&a, "100%% %s", "sicher");
	char *p6 = arena_printf(&a, "<%s>", big);
	char *p7 = arena_printf(&a, "%s|%s", null, "b");
	char *p8 = arena_printf(&a, "%s%d%s", "a", 7, "b");
	ok(!strcmp(p1, "../kategorien/bauen.html") && !strcmp(p2, "") && !strcmp(p3, "ohne"),
	   "arena_printf: text and %%s joined");
	ok(!strcmp(p4, "feld-3") && !strcmp(p5, "100% sicher") && !strcmp(p8, "a7b"),
	   "arena_printf: other conversions and %%%% as vsnprintf prints them");
	ok(strlen(p6) == 601 && p6[0] == '<' && p6[600] == '>' && !strcmp(p7, "(null)|b"),
	   "arena_printf: past 256 bytes, and NULL as glibc prints it");
	arena_free(&a);
}

/* ---- buf_put_html: 16 bytes at a time, the same as one at a time ---- */

static void html_by_byte(struct buf *b, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		switch (s[i]) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, (char)s[i]);
		}
}

/* Every length to 70 with a special byte at every place, and random
 * texts of every byte value: each escaped as the byte-at-a-time rule does. */
static void test_put_html(void)
{
	static const char specials[] = "&<>\"'";
	unsigned char s[80];
	struct buf got, want;
	buf_init(&got, 1 << 20);
	buf_init(&want, 1 << 20);
	bool same = true;
	unsigned seed = 7;
	for (size_t n = 0; n <= 70 && same; n++)
		for (size_t at = 0; at <= n && same; at++)
			for (int round = 0; round < 6; round++) {
				for (size_t i = 0; i < n; i++) {
					seed = seed * 1103515245u + 12345u;
					s[i] = round < 5 ? (unsigned char)('a' + i % 26) :
						   (unsigned char)(seed >> 16);
				}
				if (at < n && round < 5)
					s[at] = (unsigned char)specials[round];
				buf_reset(&got);
				buf_reset(&want);
				buf_put_html(&got, (const char *)s, n);
				html_by_byte(&want, s, n);
				same &= got.len == want.len && (got.len == 0 ||
					memcmp(got.data, want.data, got.len) == 0);
			}
	ok(same, "buf_put_html escapes & < > \" ' at every place of texts up to 70 bytes "
	   "as byte by byte");
	buf_free(&got);
	buf_free(&want);
}

/* ---- buf: the sticky failure ---- */

static void test_buf_sticky(void)
{
	struct buf b;
	buf_init(&b, 8);
	ok(!buf_failed(&b) && buf_puts(&b, "abcdef") == 0 && !buf_failed(&b),
	   "buf: appends within max do not fail");
	ok(buf_puts(&b, "ghi") < 0 && buf_failed(&b) && b.len == 6 &&
	   strcmp(b.data, "abcdef") == 0,
	   "buf: an append past max fails, sets the flag, leaves the bytes");
	ok(buf_putc(&b, 'g') < 0 && buf_puts(&b, "") < 0 && b.len == 6 && buf_failed(&b),
	   "buf: after a failure even an append that fits is a no-op");
	ok(buf_printf(&b, "%d", 1) < 0 && buf_put_html(&b, "x", 1) < 0 &&
	   buf_put_json(&b, "x", 1) < 0 && buf_append(&b, "x", 1) < 0 && b.len == 6,
	   "buf: every append function honours the flag");
	buf_reset(&b);
	ok(!buf_failed(&b) && buf_puts(&b, "12345678") == 0 && b.len == 8,
	   "buf: buf_reset starts afresh (exactly max fits)");
	ok(buf_printf(&b, "%s", "9") < 0 && buf_failed(&b) && b.len == 8 &&
	   strcmp(b.data, "12345678") == 0, "buf: buf_printf past max fails sticky");
	buf_free(&b);
	ok(!buf_failed(&b), "buf: buf_free clears the flag");
	buf_init(&b, 4);
	ok(buf_put_html(&b, "<<", 2) < 0 && buf_failed(&b) && b.len == 4,
	   "buf: an escape that grows past max fails (\"&lt;\" fits, the second not)");
	buf_free(&b);
}

/* The one check before a page or a mail leaves. */
static void test_buf_checked_once(const char *tmp)
{
	char dest[512];
	int w = snprintf(dest, sizeof dest, "%s/site", tmp);
	struct diags d;
	diags_init(&d);
	struct output *o = w > 0 && (size_t)w < sizeof dest ? output_open(dest, 0, &d) : NULL;
	struct buf b;
	buf_init(&b, 4);
	buf_puts(&b, "<p>cut off</p>");
	int rc = o ? output_write_buf(o, "page.html", &b, NULL) : 0;
	ok(o && rc < 0 && d.n == 1 && strstr(d.v[0].msg, "larger than 4 bytes"),
	   "output: a page whose buffer failed is not written, with a diagnostic");
	struct output_stats st;
	ok(o && output_commit(o, &st, &d) < 0 && access(dest, F_OK) < 0,
	   "output: the build then fails and no site appears");
	buf_free(&b);
	diags_free(&d);

	struct sub_field f = { .name = "text", .label = "Text", .value = "x" };
	struct submission sub = {
		.reference = "DOR-2026-4K7P9X", .city_name = "Dorsten",
		.service_title = "Test", .office_name = "Amt",
		.received_at = "2026-11-25T20:41:07Z", .fields = &f, .n_fields = 1,
	};
	buf_init(&b, 64);
	ok(mail_office_body(&b, &sub) < 0 && buf_failed(&b),
	   "mail: a body larger than its buffer fails the build of the mail");
	buf_reset(&b);
	ok(mail_receipt_body(&b, &sub, NULL) < 0, "mail: the receipt too");
	buf_free(&b);
	buf_init(&b, 0);
	ok(mail_office_body(&b, &sub) == 0 && !buf_failed(&b) && strstr(b.data, "Text: x\r\n"),
	   "mail: a body that fits is built");
	buf_free(&b);
}

/* ---- strmap ---- */

static void test_strmap_basics(void)
{
	struct strmap m;
	bool added;
	strmap_init(&m, 0);
	ok(strmap_get(&m, "a", 1) == NULL, "strmap: an empty map has no key");
	struct strmap_slot *sl = strmap_put(&m, "alpha", 5, &added);
	ok(sl && added && sl->val == NULL && strcmp(sl->key, "alpha") == 0,
	   "strmap: a new key is added with no value");
	sl->val = strmap_strdup(&m, "one");
	sl = strmap_put(&m, "alpha", 5, &added);
	ok(sl && !added && strcmp(sl->val, "one") == 0,
	   "strmap: putting a present key keeps its value");
	/* keys are bytes with a length: a prefix of a longer string */
	const char *path = "dorsten/leistungen/x.html";
	sl = strmap_put(&m, path, 7, &added);
	ok(sl && added && strcmp(sl->key, "dorsten") == 0 && sl->key != path,
	   "strmap: a key given by length is copied and NUL-terminated");
	ok(strmap_get(&m, "dorsten", 7) && !strmap_get(&m, path, strlen(path)) &&
	   !strmap_get(&m, "dorste", 6), "strmap: lookups compare length and bytes");
	ok(m.n == 2, "strmap: counts its keys (%zu)", m.n);
	strmap_free(&m);
}

static void test_strmap_grow(void)
{
	struct strmap m;
	bool added;
	strmap_init(&m, 0);
	enum { N = 5000 };
	int good = 1;
	for (int i = 0; i < N && good; i++) {
		char k[32];
		int w = snprintf(k, sizeof k, "page-%d.html", i);
		struct strmap_slot *sl = strmap_put(&m, k, (size_t)w, &added);
		good = sl && added;
		if (good)
			sl->val = (void *)(size_t)(i + 1);
	}
	size_t seen = 0;
	for (int i = 0; i < N && good; i++) {
		char k[32];
		int w = snprintf(k, sizeof k, "page-%d.html", i);
		struct strmap_slot *sl = strmap_get(&m, k, (size_t)w);
		good = sl && sl->val == (void *)(size_t)(i + 1);
	}
	struct strmap_slot *sl;
	for (size_t i = 0; (sl = strmap_next(&m, &i));)
		seen++;
	ok(good && m.n == N && seen == N,
	   "strmap: %d keys survive growing, each found once by iteration", N);
	ok(m.cap >= 2 * m.n, "strmap: stays at most half full (%zu of %zu)", m.n, m.cap);
	strmap_free(&m);
}

static void test_strmap_bound(void)
{
	struct strmap m;
	bool added;
	strmap_init(&m, 3);
	int rc = strmap_put(&m, "a", 1, &added) && strmap_put(&m, "b", 1, &added) &&
		 strmap_put(&m, "c", 1, &added);
	ok(rc && strmap_put(&m, "d", 1, &added) == NULL && m.n == 3,
	   "strmap: a full map refuses a new key");
	ok(strmap_put(&m, "b", 1, &added) != NULL && !added,
	   "strmap: a full map still finds a present key");
	strmap_free(&m);
}

/* ---- UTF-8 ---- */

static void test_utf8_seq(void)
{
	static const struct { const char *s; size_t n, want; const char *what; } t[] = {
		{ "a", 1, 1, "ASCII" },
		{ "\xc3\xa4x", 3, 2, "two bytes (U+00E4)" },
		{ "\xe2\x82\xac", 3, 3, "three bytes (U+20AC)" },
		{ "\xf0\x9f\x98\x80", 4, 4, "four bytes (U+1F600)" },
		{ "\xf4\x8f\xbf\xbf", 4, 4, "U+10FFFF" },
		{ "", 0, 0, "nothing" },
		{ "\x80", 1, 0, "a lone continuation byte" },
		{ "\xc0\xaf", 2, 0, "overlong two bytes" },
		{ "\xe0\x80\xaf", 3, 0, "overlong three bytes" },
		{ "\xf0\x80\x80\xaf", 4, 0, "overlong four bytes" },
		{ "\xed\xa0\x80", 3, 0, "a surrogate (U+D800)" },
		{ "\xf4\x90\x80\x80", 4, 0, "beyond U+10FFFF" },
		{ "\xf5\x80\x80\x80", 4, 0, "lead byte F5" },
		{ "\xe2\x82", 2, 0, "cut off by the end" },
		{ "\xe2\x82\xac", 2, 0, "cut off by n, not by a NUL" },
		{ "\xe2(\xac", 3, 0, "a bad continuation byte" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t got = utf8_seq(t[i].s, t[i].n);
		ok(got == t[i].want, "utf8_seq: %s -> %zu (got %zu)", t[i].what,
		   t[i].want, got);
	}
	ok(utf8_valid("Stra\xc3\x9f" "e \xe2\x82\xac", 11) &&
	   !utf8_valid("ab\xc3", 3) && utf8_valid("", 0),
	   "utf8_valid: walks the same decoder over a whole string");
}

/* ---- random ---- */

static void test_random_token(void)
{
	char a[25], b[25];
	random_token(a, 24);
	random_token(b, 24);
	ok(strlen(a) == 24 && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				     "qrstuvwxyz0123456789-_") == 24,
	   "random: a token is 24 base64url characters and a NUL");
	ok(strcmp(a, b) != 0, "random: two tokens differ");
	ok(random_token_shape(a, 24) && !random_token_shape(a, 23) &&
	   !random_token_shape(a, 25) && !random_token_shape("", 24) &&
	   random_token_shape("", 0) &&
	   !random_token_shape("AbCdEfGhIjKlMnOpQrStUvW=", 24) &&
	   !random_token_shape("AbCdEfGhIjKlMnOpQrStUv+/", 24) &&
	   !random_token_shape("AbCdEfGhIjKl\xc3\xa4nOpQrStUvW", 24),
	   "random_token_shape: a token of the length asked, nothing shorter, longer, or "
	   "with a character outside base64url");
	/* every one of the 64 symbols turns up in 64 KiB of token */
	static char big[65537];
	random_token(big, sizeof big - 1);
	int seen[256] = { 0 }, kinds = 0;
	for (size_t i = 0; i < sizeof big - 1; i++)
		kinds += !seen[(unsigned char)big[i]]++;
	ok(kinds == 64 && big[sizeof big - 1] == '\0',
	   "random: a long token uses all 64 symbols (%d)", kinds);
	unsigned char z[1000] = { 0 }, zero[1000] = { 0 };
	random_bytes(z, sizeof z);
	ok(memcmp(z, zero, sizeof z) != 0, "random: 1000 bytes come back filled");
}

/* In a child whose getrandom(2) fails (a seccomp filter answers ENOSYS),
 * random_token must end the process and never print a token. */
static void test_random_no_entropy(void)
{
	int fds[2];
	if (pipe(fds) < 0) {
		ok(0, "random: pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);     /* the child's exit() flushes it again otherwise */
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrandom, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { sizeof f / sizeof f[0], f };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(99);
		char tok[25];
		random_token(tok, 24);
		if (write(fds[1], tok, 24) < 0)
			_exit(98);
		_exit(0);
	}
	close(fds[1]);
	char got[64];
	ssize_t n = pid > 0 ? read(fds[0], got, sizeof got) : -1;
	close(fds[0]);
	int st = 0;
	if (pid > 0)
		waitpid(pid, &st, 0);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	ok(pid > 0 && n == 0 && code != 0 && code != 99 && code != 98,
	   "random: without entropy the process exits (status %d) and gives no token", code);
}

/* Times as citizens read them: German, Europe/Berlin, both sides of the
 * summer time switches (2026: 29 March and 25 October, 01:00 UTC). */
static void test_datetime(void)
{
	char dd[16] = "";
	ok(de_date("2024-02-29", dd, sizeof dd) == 0 && !strcmp(dd, "29.02.2024"),
	   "de_date: 2024-02-29 reads 29.02.2024");
	ok(de_date("29.02.2024", dd, sizeof dd) < 0 && de_date("2024-2-29", dd, sizeof dd) < 0 &&
	   de_date("2024-02-290", dd, sizeof dd) < 0 && de_date("2024-02-29", dd, 10) < 0,
	   "de_date: other shapes and a short buffer are refused");

	char s[64];
	time_t t;
	ok(rfc3339_parse("2026-12-02T15:59:00Z", &t) == 0 && de_date_time(s, sizeof s, t) == 0 &&
	   !strcmp(s, "2. Dezember 2026, 16:59 Uhr"), "winter: UTC+1, German month (%s)", s);
	ok(rfc3339_parse("2026-07-01T10:05:00Z", &t) == 0 && de_date_time(s, sizeof s, t) == 0 &&
	   !strcmp(s, "1. Juli 2026, 12:05 Uhr"), "summer: UTC+2 (%s)", s);
	ok(rfc3339_parse("2026-03-29T00:59:59Z", &t) == 0 && berlin_offset(t) == 3600 &&
	   rfc3339_parse("2026-03-29T01:00:00Z", &t) == 0 && berlin_offset(t) == 7200,
	   "summer time starts at 01:00 UTC on the last Sunday of March");
	ok(rfc3339_parse("2026-10-25T00:59:59Z", &t) == 0 && berlin_offset(t) == 7200 &&
	   rfc3339_parse("2026-10-25T01:00:00Z", &t) == 0 && berlin_offset(t) == 3600,
	   "and ends at 01:00 UTC on the last Sunday of October");
	ok(rfc3339_parse("2026-03-01T12:00:00Z", &t) == 0 && de_date_time(s, sizeof s, t) == 0 &&
	   !strcmp(s, "1. März 2026, 13:00 Uhr"), "März with its umlaut (%s)", s);
	ok(de_date_time(s, 10, t) == -1, "a buffer too small is an error, not a cut date");
	/* "today" is Berlin's day: in the last hour before midnight there
	 * (22:00 or 23:00 UTC) UTC's day is still the one before */
	ok(rfc3339_parse("2026-12-03T22:59:59Z", &t) == 0 && berlin_date(t, s, sizeof s) == 0 &&
	   !strcmp(s, "2026-12-03"), "berlin_date: 23:59:59 in Berlin is still that day (%s)", s);
	ok(rfc3339_parse("2026-12-03T23:30:00Z", &t) == 0 && berlin_date(t, s, sizeof s) == 0 &&
	   !strcmp(s, "2026-12-04"), "berlin_date: 23:30 UTC in winter is the next day (%s)", s);
	ok(rfc3339_parse("2026-12-31T23:00:00Z", &t) == 0 && berlin_date(t, s, sizeof s) == 0 &&
	   !strcmp(s, "2027-01-01"), "berlin_date: and the next year at New Year (%s)", s);
	ok(rfc3339_parse("2026-07-01T22:00:00Z", &t) == 0 && berlin_date(t, s, sizeof s) == 0 &&
	   !strcmp(s, "2026-07-02"), "berlin_date: 22:00 UTC in summer is the next day (%s)", s);
	ok(berlin_date(t, s, 10) == -1, "berlin_date: a buffer too small is an error");
	char before[11], now[11], after[11];
	ok(berlin_date(time(NULL), before, sizeof before) == 0 && berlin_today(now) == now &&
	   berlin_date(time(NULL), after, sizeof after) == 0 &&
	   (!strcmp(now, before) || !strcmp(now, after)),
	   "berlin_today: Berlin's day by the clock, into the buffer it returns (%s)", now);
	de_stamp("2026-12-02T15:59:00Z", s, sizeof s);
	ok(!strcmp(s, "2. Dezember 2026, 16:59 Uhr"), "de_stamp: a stored stamp in German (%s)", s);
	de_stamp("gestern", s, sizeof s);
	ok(!strcmp(s, "gestern"), "de_stamp: what is no stamp is shown as it is (%s)", s);
	ok(rfc3339_parse("2026-02-30T00:00:00Z", &t) == -1 && rfc3339_parse("2026-12-02 15:59:00", &t) == -1,
	   "rfc3339_parse refuses what is no stored stamp");
}

/* arena_reset: everything allocated is gone, the blocks of the usual
 * size up to keep bytes are taken again before malloc is asked, zeroed
 * as arena_alloc promises; a big allocation's block is not kept. */
static void test_arena_reset(void)
{
	struct arena a;
	arena_init(&a);
	unsigned char *first = arena_alloc(&a, 1000);
	memset(first, 0xab, 1000);
	for (int i = 0; i < 30; i++)        /* 300 KB: five more blocks of 64 KiB */
		(void)arena_alloc(&a, 10000);
	(void)arena_alloc(&a, 200000);      /* a block of its own */
	arena_reset(&a, (size_t)3 << 16);
	ok(a.head == NULL && a.spare_bytes == (size_t)3 << 16,
	   "arena_reset: nothing allocated, three blocks of 64 KiB kept (%zu bytes)",
	   a.spare_bytes);
	unsigned char *again = arena_alloc(&a, 1000);
	bool zero = true;
	for (int i = 0; i < 1000; i++)
		zero = zero && again[i] == 0;
	ok(zero && a.spare_bytes == (size_t)2 << 16,
	   "arena_reset: the next allocation takes a kept block, zeroed");
	for (int i = 0; i < 18; i++)        /* 180 KB: the two kept, then malloc */
		(void)arena_alloc(&a, 10000);
	ok(a.spare == NULL && a.spare_bytes == 0,
	   "arena_reset: kept blocks are used up before malloc is asked again");
	arena_reset(&a, 0);
	ok(a.head == NULL && a.spare == NULL, "arena_reset with nothing to keep frees all");
	(void)arena_alloc(&a, 10);
	arena_reset(&a, (size_t)1 << 20);
	arena_free(&a);
	ok(a.head == NULL && a.spare == NULL && a.spare_bytes == 0,
	   "arena_free frees the kept blocks too (ASan: no leak)");
}

/* arena_adopt: another arena's blocks become a's, its head's free room
 * stays in use, and freeing a frees them all (ASan: no leak, no double
 * free). */
static void test_arena_adopt(void)
{
	struct arena a, b, empty;
	arena_init(&a);
	arena_init(&b);
	arena_init(&empty);
	char *x = arena_strdup(&a, "alpha");
	char *y = arena_strdup(&b, "beta");
	char *big = arena_alloc(&b, 200000);
	size_t total = a.total + b.total;
	arena_adopt(&a, &b);
	arena_adopt(&a, &empty);
	char *z = arena_strdup(&a, "gamma");
	ok(strcmp(x, "alpha") == 0 && strcmp(y, "beta") == 0 && big[199999] == 0 &&
	   a.total == total && b.head == NULL && b.total == 0 && z == x + 6,
	   "arena_adopt: b's blocks are a's, b is empty, a's head keeps filling");
	arena_adopt(&b, &a);
	ok(a.head == NULL && strcmp(z, "gamma") == 0 && b.total == total,
	   "arena_adopt into an empty arena");
	arena_free(&b);
}

/* The digits the stat cache and the fingerprint write without printf are
 * printf's: at the edges of each type and for 100,000 random values. */
static void test_digits(void)
{
	static const long long edge[] = { 0, 1, -1, 9, 10, 99, 1000000000LL, 4294967295LL,
					  LLONG_MAX, LLONG_MIN, LLONG_MIN + 1 };
	static const long ns[] = { 0, 1, 999999999, 123456789, 100000000 };
	char got[128], want[128];
	int same = 1, n = (int)(sizeof edge / sizeof *edge);
	unsigned long long r = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < n + 100000; i++) {
		long long v = i < n ? edge[i] : (long long)(r = r * 6364136223846793005ULL + 1);
		long f = ns[i % 5];
		unsigned long long u = (unsigned long long)v;
		*put_uint(got, u, 10) = '\0';
		snprintf(want, sizeof want, "%llu", u);
		same &= strcmp(got, want) == 0;
		*put_uint(got, u, 8) = '\0';
		snprintf(want, sizeof want, "%llo", u);
		same &= strcmp(got, want) == 0;
		*put_int(got, v) = '\0';
		snprintf(want, sizeof want, "%lld", v);
		same &= strcmp(got, want) == 0;
		*put_stamp(got, v, f) = '\0';
		snprintf(want, sizeof want, "%lld.%09ld", v, f);
		same &= strcmp(got, want) == 0;
		if (!same) {
			ok(0, "digits: %s, printf %s", got, want);
			return;
		}
	}
	ok(same, "digits: put_uint (8, 10), put_int and put_stamp write what printf writes");
}

/* map_file: a regular file of 1 to max bytes, whole; none, an empty
 * file, a larger one or a directory: -1 and nothing mapped. */
static void test_mapfile(const char *tmp)
{
	char path[600], empty[600];
	snprintf(path, sizeof path, "%s/mapped", tmp);
	snprintf(empty, sizeof empty, "%s/empty", tmp);
	FILE *f = fopen(path, "w"), *g = fopen(empty, "w");
	int made = f && g && fputs("sieben!", f) >= 0;
	if (f && fclose(f) != 0)
		made = 0;
	if (g && fclose(g) != 0)
		made = 0;
	struct mapped m;
	ok(made && map_file(path, 7, &m) == 0 && m.len == 7 && memcmp(m.p, "sieben!", 7) == 0,
	   "map_file: the whole file");
	map_release(&m);
	ok(m.p == NULL && m.len == 0, "map_release empties it");
	ok(map_file(path, 6, &m) < 0 && m.p == NULL, "a file over the bound: not mapped");
	ok(map_file(empty, 7, &m) < 0 && m.p == NULL, "an empty file: not mapped");
	ok(map_file(tmp, 1 << 20, &m) < 0 && m.p == NULL, "a directory: not mapped");
	errno = 0;
	ok(map_file("/nonexistent/sitegen", 7, &m) < 0 && errno == ENOENT && m.p == NULL,
	   "no file: -1 with ENOENT");
	map_release(&m);        /* empty: nothing to do */
	unlink(path);
	unlink(empty);
}

/* buf_read_file: a file read whole into one buffer of its size (the
 * buffer's capacity shows it was sized once, by fstat), at the bound and
 * over it, empty, a directory, a file that is not there, and a file with
 * no size to tell (/proc). */
static void test_read_file(const char *tmp)
{
	char path[600], empty[600];
	snprintf(path, sizeof path, "%s/read", tmp);
	snprintf(empty, sizeof empty, "%s/read-empty", tmp);
	size_t n = 200000;      /* past glibc's mmap threshold, as the stat cache */
	char *text = malloc(n);
	for (size_t i = 0; text && i < n; i++)
		text[i] = (char)('a' + i % 26);
	FILE *f = fopen(path, "w"), *g = fopen(empty, "w");
	int made = text && f && g && fwrite(text, 1, n, f) == n;
	if (f && fclose(f) != 0)
		made = 0;
	if (g && fclose(g) != 0)
		made = 0;
	struct buf b;
	buf_init(&b, 4 * n);    /* room to double: a buffer grown shows */
	int read = made ? buf_read_file(&b, path) : -1;
	ok(read == 0 && b.len == n && !memcmp(b.data, text, n) && b.data[n] == '\0' &&
	   b.cap == n + 1, "buf_read_file: the whole file, into one buffer of its size "
	   "(%zu bytes for %zu)", b.cap, n);
	buf_free(&b);
	buf_init(&b, n - 1);
	errno = 0;
	ok(buf_read_file(&b, path) < 0 && errno == EFBIG && b.failed,
	   "buf_read_file: a file over the bound fails with EFBIG");
	buf_free(&b);
	buf_init(&b, 16);
	ok(buf_read_file(&b, empty) == 0 && b.len == 0 && b.data && b.data[0] == '\0',
	   "buf_read_file: an empty file is an empty string");
	buf_free(&b);
	buf_init(&b, 16);
	errno = 0;
	ok(buf_read_file(&b, tmp) < 0 && errno == EIO, "buf_read_file: a directory: EIO");
	buf_free(&b);
	buf_init(&b, 16);
	errno = 0;
	ok(buf_read_file(&b, "/nonexistent/sitegen") < 0 && errno == ENOENT,
	   "buf_read_file: no file: -1 with ENOENT");
	buf_free(&b);
	buf_init(&b, 1 << 20);
	ok(buf_read_file(&b, "/proc/self/status") == 0 && strstr(b.data, "\nPid:\t"),
	   "buf_read_file: a file whose size stat does not tell (/proc) is read to its end");
	buf_free(&b);
	free(text);
	unlink(path);
	unlink(empty);
}

/* exe_build_id: the running program's GNU build-id, as readelf shows it
 * (a page key names the sitegen binary by it). */
static void test_build_id(void)
{
	char id[41], line[4200], want[64] = "", exe[4000];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	/* the path, not /proc/self/exe, which would be readelf itself */
	snprintf(line, sizeof line, "readelf -n '%s' 2>/dev/null", exe);
	FILE *p = n > 0 && !strchr(exe, '\'') ? popen(line, "r") : NULL;
	while (p && fgets(line, sizeof line, p))
		if (!*want)
			sscanf(line, " Build ID: %63s", want);
	if (p)
		pclose(p);
	int rc = exe_build_id(id);
	ok(*want && rc == 0 && strcmp(id, want) == 0,
	   "build-id: the program's, as readelf -n shows it [%s / %s]", rc == 0 ? id : "none",
	   want);
	ok(rc == 0 && strlen(id) >= 16 && strlen(id) <= 40 &&
	   strspn(id, "0123456789abcdef") == strlen(id), "build-id: 8 to 20 bytes, in hex");
}

int main(void)
{
	test_datetime();
	test_arena_printf();
	test_arena_adopt();
	test_arena_reset();
	test_put_html();
	const char *tmp = tap_tmpdir("util_helpers");
	test_buf_sticky();
	test_digits();
	if (tmp)
		test_mapfile(tmp);
	if (tmp)
		test_read_file(tmp);
	if (tmp)
		test_buf_checked_once(tmp);
	else
		ok(0, "a temporary directory: %s", strerror(errno));
	test_strmap_basics();
	test_strmap_grow();
	test_strmap_bound();
	test_utf8_seq();
	test_random_token();
	test_random_no_entropy();
	test_build_id();
	if (tmp && !getenv("TEST_TMP"))
		rmdir(tmp);     /* empty: the failed build removed its own */
	return tap_exit();
}
