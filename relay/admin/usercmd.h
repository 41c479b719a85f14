/* usercmd.h - relayctl's clerk commands (issue 11, point 5):
 *
 *   relayctl --config relay.yml user add NAME --office CITY/ROLE [--office ...]
 *   relayctl --config relay.yml user passwd NAME
 *   relayctl --config relay.yml user disable NAME
 *   relayctl --config relay.yml user list
 *
 * add and passwd read the password from stdin (on a terminal twice, without
 * echo); it must have at least 12 characters. The offices are checked
 * against the catalogue (content_dir). add, passwd and disable write like
 * resend and purge: through relayd when it runs, else directly
 * (admin_run); list reads over a read-only connection. Exit status as
 * relayctl's: 0 ok, 1 no such clerk (passwd, disable) or the name is taken
 * (add), 2 usage (a bad name, password or office), 3 configuration or
 * database error. */
#ifndef USERCMD_H
#define USERCMD_H

/* argv as relayctl got it, its command being "user". */
int relayctl_user(int argc, char **argv);
#endif
