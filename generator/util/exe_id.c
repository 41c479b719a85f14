/* exe_id.c - see exe_id.h */
#include "exe_id.h"
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
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

/* The NT_GNU_BUILD_ID note of the main program (the first object
 * dl_iterate_phdr reports), hex into the buffer at ctx. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	char *out = ctx;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		size_t left = ph->p_memsz;
		while (left >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t name = (nh->n_namesz + 3u) & ~(size_t)3;
			size_t desc = (nh->n_descsz + 3u) & ~(size_t)3;
			if (name > left - sizeof *nh || desc > left - sizeof *nh - name)
				break;
			const unsigned char *d = p + sizeof *nh + name;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(p + sizeof *nh, "GNU", 4) == 0 &&
			    nh->n_descsz >= 8 && nh->n_descsz <= 20) {
				for (size_t k = 0; k < nh->n_descsz; k++)
					snprintf(out + 2 * k, 3, "%02x", d[k]);
				return 1;
			}
			p += sizeof *nh + name + desc;
			left -= sizeof *nh + name + desc;
		}
	}
	return -1;      /* the main program has none: stop */
}

int exe_build_id(char out[41])
{
	out[0] = '\0';
	return dl_iterate_phdr(find_build_id, out) == 1 && out[0] ? 0 : -1;
}
