/*
 * A rules file read as root may trust it: through the safe-path check
 * (every component owned by root or the listener's user, writable by no
 * one else, sticky directories excepted), a regular file of at most
 * RULES_MAX_FILE bytes, read whole from the descriptor the check opened.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"
#include "safepath.h"

/*
 * path's text into *text (malloc'd, *len bytes). 0; or -1, errno (EPERM:
 * unsafe or not a regular file, EFBIG: too large) and why.
 */
int
rules_read(const char *path, uid_t me, char **text, size_t *len, char *why,
    size_t size)
{
	struct stat	 st;
	char		 self[64], *buf = NULL;
	ssize_t		 n;
	size_t		 have = 0;
	int		 pfd, fd = -1, saved;

	*text = NULL;
	*len = 0;
	if (safepath_open(path, me, &pfd, why, size) == -1)
		return -1;
	/* The very file checked, opened for reading through its O_PATH fd. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	saved = errno;
	close(pfd);
	if (fd == -1) {
		snprintf(why, size, "%s", strerror(errno = saved));
		return -1;
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, size, "not a regular file");
		errno = EPERM;
		goto out;
	}
	if ((buf = malloc(RULES_MAX_FILE + 1)) == NULL)
		goto fail;
	/* Read to the end, whatever st_size said; one byte more is too big. */
	while (have <= RULES_MAX_FILE) {
		if ((n = read(fd, buf + have, RULES_MAX_FILE + 1 - have)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (have > RULES_MAX_FILE) {
		snprintf(why, size, "larger than %d bytes", RULES_MAX_FILE);
		errno = EFBIG;
		goto out;
	}
	close(fd);
	*text = buf;
	*len = have;
	return 0;
fail:
	snprintf(why, size, "%s", strerror(errno));
out:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}
