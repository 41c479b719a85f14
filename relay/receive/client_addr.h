/* client_addr.h - the client that the limits count (the POST rate limit,
 * the Postfach's per-client limit, the inbox's login throttle per client).
 *
 * An IPv4 address stands for itself. An IPv6 address stands for its /64:
 * a provider hands each customer at least a /64 (RFC 6177), and a host in
 * it can take any of its 2^64 addresses, so counting addresses would let
 * one client rotate past every limit. An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1, how a dual-stack socket sees an IPv4 peer) is the
 * IPv4 address. The key is the address's canonical text (inet_ntop), so
 * two spellings of one address are one client.
 *
 * Which address: the peer's; or, when the peer is the reverse proxy on
 * loopback, X-Real-IP, if that header is an address (else the peer's). */
#ifndef CLIENT_ADDR_H
#define CLIENT_ADDR_H
#include <sys/socket.h>

/* "xxxx:xxxx:xxxx:xxxx::/64" and every IPv4 text fit */
#define CLIENT_KEY_MAX 48

/* The client of a request from peer (NULL: unknown) that may carry
 * real_ip (X-Real-IP, or NULL) into out: "unknown" when the peer is
 * neither IPv4 nor IPv6. */
void client_key(const struct sockaddr *peer, const char *real_ip,
		char out[CLIENT_KEY_MAX]);
#endif
