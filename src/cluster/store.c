/* store: atomic, durable, verified files. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/store.h"
#include "lib/util.h"

#define TRAILER_FMT "\n#vigil-store len=%zu crc32=%08x\n"

uint32_t store_crc32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int store_write(const char *path, const char *data, size_t len, int flags,
		char *err, size_t errlen)
{
	bool durable = flags & STORE_DURABLE;
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	char trailer[80];
	int fd, rc;

	if (flags & STORE_NO_TRAILER)
		trailer[0] = 0;
	else
		snprintf(trailer, sizeof(trailer), TRAILER_FMT, len, store_crc32(data, len));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = write_all(fd, data, len)) || (rc = write_all(fd, trailer, strlen(trailer))))
		goto fail_fd;
	if (durable && fsync(fd) < 0) {
		rc = -errno;
		goto fail_fd;
	}
	if (close(fd) < 0) {
		rc = -errno;
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto fail;
	}
	free(tmp);
	if (durable && (rc = fsync_dir_of(path))) {
		snprintf(err, errlen, "%s: fsync of its directory: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
fail_fd:
	close(fd);
fail:
	unlink(tmp);
	free(tmp);
	snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

char *store_read(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, *t;
	size_t cap = 0, n = 0, r, want;
	unsigned crc;

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	do {
		if (n + 65536 > cap) {
			cap = (cap + 65536) * 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = 0;
	/* The trailer is the last line; find its start. */
	t = n >= 2 ? memrchr(buf, '\n', n - 1) : NULL;
	if (!t || sscanf(t, TRAILER_FMT, &want, &crc) != 2 || want != (size_t)(t - buf) ||
	    store_crc32(buf, want) != crc) {
		snprintf(err, errlen, "%s: torn or altered file (checksum does not match)", path);
		free(buf);
		errno = EBADMSG;
		return NULL;
	}
	*t = 0;
	*len = want;
	return buf;
}

int store_mkdirs(const char *path, int mode)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char saved = *s;

			*s = 0;
			if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
				int e = -errno;

				free(p);
				return e;
			}
			*s = saved;
			if (!saved)
				break;
		}
	}
	free(p);
	return 0;
}
