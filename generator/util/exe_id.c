/* exe_id.c - see exe_id.h */
#include "exe_id.h"
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* fstat of the opened file, not stat of the link: the same file
 * natively, and under valgrind (which redirects the open but not a stat)
 * the program rather than the tool, so a profile uses the caches as a
 * real run does. */
void exe_identity(char *out, size_t n)
{
	struct stat st;
	out[0] = '\0';
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	int rc = fstat(fd, &st);
	if (close(fd) < 0 || rc < 0)
		return;
	int w = snprintf(out, n, "binary %llu %llu %lld %lld %ld\n",
			 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			 (long)st.st_mtim.tv_nsec);
	if (w < 0 || (size_t)w >= n)
		out[0] = '\0';
}
