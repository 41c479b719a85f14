/* client_addr.c - see client_addr.h */
#include "client_addr.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void key_v4(const struct in_addr *a, char out[CLIENT_KEY_MAX])
{
	if (!inet_ntop(AF_INET, a, out, CLIENT_KEY_MAX))
		snprintf(out, CLIENT_KEY_MAX, "unknown");
}

/* The /64 of a, or the IPv4 address a maps. */
static void key_v6(const struct in6_addr *a, char out[CLIENT_KEY_MAX])
{
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		struct in_addr v4;
		memcpy(&v4, &a->s6_addr[12], sizeof v4);
		key_v4(&v4, out);
		return;
	}
	struct in6_addr net = *a;
	memset(&net.s6_addr[8], 0, 8);
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(AF_INET6, &net, text, sizeof text) ||
	    snprintf(out, CLIENT_KEY_MAX, "%s/64", text) >= CLIENT_KEY_MAX)
		snprintf(out, CLIENT_KEY_MAX, "unknown");
}

static bool loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* real_ip's key, when it is an address; false otherwise. */
static bool key_text(const char *real_ip, char out[CLIENT_KEY_MAX])
{
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, real_ip, &v4) == 1) {
		key_v4(&v4, out);
		return true;
	}
	if (inet_pton(AF_INET6, real_ip, &v6) == 1) {
		key_v6(&v6, out);
		return true;
	}
	return false;
}

void client_key(const struct sockaddr *peer, const char *real_ip,
		char out[CLIENT_KEY_MAX])
{
	snprintf(out, CLIENT_KEY_MAX, "unknown");
	if (!peer)
		return;
	if (real_ip && loopback(peer) && key_text(real_ip, out))
		return;
	if (peer->sa_family == AF_INET)
		key_v4(&((const struct sockaddr_in *)(const void *)peer)->sin_addr, out);
	else if (peer->sa_family == AF_INET6)
		key_v6(&((const struct sockaddr_in6 *)(const void *)peer)->sin6_addr, out);
}
