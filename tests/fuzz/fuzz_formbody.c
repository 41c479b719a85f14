/* fuzz_formbody - urlencoded_field (relay/inbox/formbody.c), the parser of
 * the small urlencoded forms relayd answers itself: the clerks' login,
 * status and message forms and the citizen's message form. The input is
 * a body as a browser or an attacker posts it; every field name those
 * forms read is asked for.
 *
 * Properties: a value found is valid UTF-8 without a NUL, no longer than
 * the body; the same question gives the same answer; a body made of one
 * field written back (each byte %XX-escaped) gives the value again. */
#include "fuzz.h"
#include "inbox/formbody.h"
#include "util/utf8.h"

static const char *const NAMES[] = {
	"csrf", "benutzer", "passwort", "status", "nachricht", "art", "email", "",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

static void round_trip(struct arena *a, const char *v)
{
	size_t n = strlen(v);
	char *body = arena_alloc(a, 2 + 3 * n + 1);
	size_t k = 0;
	body[k++] = 'x';
	body[k++] = '=';
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(body + k, 4, "%%%02X", (unsigned char)v[i]);
	const char *back = urlencoded_field(a, body, k, "x");
	FUZZ_ASSERT(back && !strcmp(back, v), "round trip changed \"%.80s\"", v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a);
	for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++) {
		const char *v = urlencoded_field(&a, (const char *)data, size, NAMES[i]);
		const char *w = urlencoded_field(&a, (const char *)data, size, NAMES[i]);
		FUZZ_ASSERT((v == NULL) == (w == NULL) && (!v || !strcmp(v, w)),
			    "not deterministic for %s", NAMES[i]);
		if (!v)
			continue;
		size_t n = strlen(v);
		FUZZ_ASSERT(n <= size && utf8_valid(v, n), "bad value for %s", NAMES[i]);
		round_trip(&a, v);
	}
	arena_free(&a);
	return 0;
}
