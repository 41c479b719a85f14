/* mapfile.c - see mapfile.h */
#include "mapfile.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int map_file(const char *path, size_t max, struct mapped *m)
{
	m->p = NULL;
	m->len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	void *p = MAP_FAILED;
	int e = EINVAL;
	if (fstat(fd, &st) < 0)
		e = errno;
	else if (S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size <= max &&
		 (p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		e = errno;
	if (close(fd) < 0 || p == MAP_FAILED) {
		if (p != MAP_FAILED)
			munmap(p, (size_t)st.st_size);
		errno = p == MAP_FAILED ? e : EIO;
		return -1;
	}
	m->p = p;
	m->len = (size_t)st.st_size;
	return 0;
}

void map_release(struct mapped *m)
{
	if (m->p)
		munmap((void *)m->p, m->len);
	m->p = NULL;
	m->len = 0;
}
