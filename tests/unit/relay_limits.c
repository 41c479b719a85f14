/* relay_limits - who a limit counts and how its tables hold up:
 * client_key (relay/receive/client_addr.c: an IPv6 client by its /64, an
 * IPv4-mapped address as IPv4, X-Real-IP only from loopback), the login
 * throttle (relay/inbox/throttle.c: a held name survives a flood of other
 * names; a run of held keys refuses a new one), the POST rate limit
 * (relay/receive/ratelimit.c) and the keyed hash under both tables
 * (generator/util/keyhash.c). */
#include "receive/client_addr.h"
#include "receive/ratelimit.h"
#include "inbox/throttle.h"
#include "util/keyhash.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include "tap.h"

/* client_key of a peer given as text (NULL: no peer). */
static const char *key_of(const char *peer, const char *real_ip)
{
	static char out[CLIENT_KEY_MAX];
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	const struct sockaddr *sa = NULL;
	if (peer && inet_pton(AF_INET, peer, &in.sin_addr) == 1)
		sa = (const struct sockaddr *)&in;
	else if (peer && inet_pton(AF_INET6, peer, &in6.sin6_addr) == 1)
		sa = (const struct sockaddr *)&in6;
	client_key(sa, real_ip, out);
	return out;
}

static void client_keys(void)
{
	static const struct { const char *peer, *real, *want, *what; } c[] = {
		{ "192.0.2.7", NULL, "192.0.2.7", "an IPv4 peer: its address" },
		{ "2001:db8:1:2:3:4:5:6", NULL, "2001:db8:1:2::/64", "an IPv6 peer: its /64" },
		{ "2001:db8:1:2:ffff:ffff:ffff:ffff", NULL, "2001:db8:1:2::/64",
		  "another address of the same /64: the same client" },
		{ "2001:db8:1:3::1", NULL, "2001:db8:1:3::/64", "the next /64: another client" },
		{ "::ffff:192.0.2.7", NULL, "192.0.2.7", "an IPv4-mapped peer: its IPv4 address" },
		{ "127.0.0.1", "203.0.113.5", "203.0.113.5", "X-Real-IP from the proxy on loopback" },
		{ "127.0.0.1", "2001:DB8:0001:0002:0:0:0:1", "2001:db8:1:2::/64",
		  "an IPv6 X-Real-IP in capitals and long form: its /64, spelt one way" },
		{ "::1", "::ffff:203.0.113.5", "203.0.113.5",
		  "an IPv4-mapped X-Real-IP from ::1: its IPv4 address" },
		{ "::ffff:127.0.0.1", "203.0.113.5", "203.0.113.5",
		  "loopback seen through a dual-stack socket counts as loopback" },
		{ "127.0.0.1", "not an address", "127.0.0.1", "an X-Real-IP that is no address: the peer" },
		{ "127.0.0.1", "203.0.113.5, 10.0.0.1", "127.0.0.1", "a list in X-Real-IP: the peer" },
		{ "127.0.0.1", "", "127.0.0.1", "an empty X-Real-IP: the peer" },
		{ "127.0.0.1", "2001:db8::1%eth0", "127.0.0.1", "a zone in X-Real-IP: the peer" },
		{ "192.0.2.7", "203.0.113.5", "192.0.2.7",
		  "X-Real-IP from a peer that is not loopback: ignored" },
		{ NULL, "203.0.113.5", "unknown", "no peer: unknown" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		const char *got = key_of(c[i].peer, c[i].real);
		ok(!strcmp(got, c[i].want), "client_key: %s (%s -> %s)", c[i].what, got, c[i].want);
	}
	char out[CLIENT_KEY_MAX];
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	client_key((const struct sockaddr *)&un, NULL, out);
	ok(!strcmp(out, "unknown"), "client_key: a peer of another family: unknown (%s)", out);
	char longest[CLIENT_KEY_MAX];
	client_key(NULL, NULL, longest);
	ok(strlen("ffff:ffff:ffff:ffff::/64") < CLIENT_KEY_MAX &&
	   !strcmp(key_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL), "ffff:ffff:ffff:ffff::/64"),
	   "client_key: the longest /64 fits");
}

static void keyed_hash(void)
{
	struct keyhash a, b;
	ok(keyhash_init(&a) == 0 && keyhash_init(&b) == 0, "keyhash_init");
	ok(keyhash(&a, "u:anna", 6) == keyhash(&a, "u:anna", 6), "keyhash: the same key, the same hash");
	ok(keyhash(&a, "u:anna", 6) != keyhash(&b, "u:anna", 6),
	   "keyhash: two tables' keys hash one name apart (a secret key each)");
	ok(keyhash(&a, "u:anna", 6) != keyhash(&a, "u:anne", 6), "keyhash: two names apart");
}

static void throttles(void)
{
	struct throttle *t = throttle_new(3, 900);
	ok(t != NULL, "throttle_new");
	if (!t)
		return;
	unsigned wait = 0;
	double now = 1000;
	int allowed = 0;
	for (int i = 0; i < 4; i++)
		allowed += throttle_take(t, "u:anna", now, &wait);
	ok(allowed == 3 && wait == 900, "3 attempts in the window, the 4th refused for 900 s (%d, %u)",
	   allowed, wait);
	/* a flood of other names, one attempt each: five times the table */
	char k[32];
	int flood_ok = 0;
	for (int i = 0; i < 5 * THROTTLE_SLOTS; i++) {
		snprintf(k, sizeof k, "u:flood%d", i);
		flood_ok += throttle_take(t, k, now + 1, &wait);
	}
	wait = 0;
	bool held = !throttle_take(t, "u:anna", now + 2, &wait);
	ok(held && wait == 898, "after 20,480 other names the held name is still held (%u s left)",
	   wait);
	ok(flood_ok == 5 * THROTTLE_SLOTS, "the flood's names, one attempt each, were let in: "
	   "slots that hold nothing back are reused (%d)", flood_ok);
	ok(throttle_take(t, "u:anna", now + 900, &wait), "the window over: anna may try again");
	throttle_forget(t, "u:anna");
	allowed = 0;
	for (int i = 0; i < 3; i++)
		allowed += throttle_take(t, "u:anna", now + 901, &wait);
	ok(allowed == 3, "after a successful login (forget) the count starts again (%d)", allowed);
	throttle_free(t);

	/* held keys everywhere: a new key is refused, not let in by pushing
	 * a held one out; when their windows end it is let in */
	t = throttle_new(1, 60);
	int refused = 0;
	unsigned max_wait = 0;
	for (int i = 0; i < 3 * THROTTLE_SLOTS; i++) {
		snprintf(k, sizeof k, "c:%d", i);
		wait = 0;
		if (throttle_take(t, k, now, &wait) && !throttle_take(t, k, now, &wait))
			continue;       /* got its one attempt, now held */
		refused++;
		if (wait > max_wait)
			max_wait = wait;
	}
	ok(refused > 0 && max_wait >= 1 && max_wait <= 60,
	   "a table full of held keys refuses new ones (%d of %d), each until a window ends (<= %u s)",
	   refused, 3 * THROTTLE_SLOTS, max_wait);
	ok(throttle_take(t, "c:new", now + 60, &wait), "when the windows are over a new key gets in");
	throttle_free(t);
}

static void rate_limit(void)
{
	struct ratelimit *r = ratelimit_new(5);
	ok(r != NULL, "ratelimit_new");
	if (!r)
		return;
	unsigned wait = 0;
	int allowed = 0;
	for (int i = 0; i < 6; i++)
		allowed += ratelimit_take(r, "192.0.2.7", 100, &wait);
	ok(allowed == 5 && wait == 12, "5 posts a minute: the 6th waits 12 s (%d, %u)", allowed, wait);
	ok(ratelimit_take(r, "2001:db8:1:2::/64", 100, &wait), "another client has its own bucket");
	ok(ratelimit_take(r, "192.0.2.7", 112, &wait), "12 s later one more post");
	char k[80];
	memset(k, 'a', sizeof k - 1);
	k[sizeof k - 1] = '\0';
	allowed = 0;
	for (int i = 0; i < 7; i++) {
		k[60] = (char)('a' + i);        /* beyond the slot's 47 characters */
		allowed += ratelimit_take(r, k, 200, &wait);
	}
	ok(allowed == 5, "keys that differ past 47 characters count as one (%d of 7)", allowed);
	ratelimit_free(r);
	r = ratelimit_new(0);
	allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += ratelimit_take(r, "192.0.2.7", 100, &wait);
	ok(allowed == 100, "0 per minute: no limit");
	ratelimit_free(r);
}

int main(void)
{
	client_keys();
	keyed_hash();
	throttles();
	rate_limit();
	return tap_exit();
}
