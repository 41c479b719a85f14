/* lock.c - the flock(2) that says "relayd is running". See admin.h.
 *
 * The file is opened read-only: flock needs no write permission, so a lock
 * file that root's relayctl happened to create stays usable for relayd's
 * user. The lock belongs to the open file: it goes away when the holder
 * exits or is killed, so a crashed relayd never leaves it behind. */
#include "admin.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

int admin_lock(const char *path, int wait_ms, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (int waited = 0;; waited += 100) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "%s: flock: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (waited >= wait_ms)
			break;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	snprintf(err, errlen, "%s is locked by another process", path);
	close(fd);
	return -2;
}
