/*
 * LD_PRELOAD shim for test/print.bats: setsockopt(SO_SNDBUF) is clamped to
 * $PRT_WMEM_MAX, as the kernel clamps it to net.core.wmem_max for a process
 * without CAP_NET_ADMIN. A test cannot lower the sysctl itself: it is global
 * in the initial network namespace, where other tests run, and read-only in
 * any other. Everything else (the doubling, the buffer, the datagram limit)
 * is the real kernel's.
 */
#define _GNU_SOURCE		/* RTLD_NEXT */
#include <sys/socket.h>

#include <dlfcn.h>
#include <stdlib.h>

typedef int	 setsockopt_fn(int, int, int, const void *, socklen_t);

int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static setsockopt_fn	*real;
	const char		*max = getenv("PRT_WMEM_MAX");
	int			 v;

	if (real == NULL)
		real = (setsockopt_fn *)dlsym(RTLD_NEXT, "setsockopt");
	if (max != NULL && level == SOL_SOCKET && name == SO_SNDBUF &&
	    len == sizeof(int)) {
		v = *(const int *)val;
		if (v > atoi(max))
			v = atoi(max);
		return real(fd, level, name, &v, sizeof(v));
	}
	return real(fd, level, name, val, len);
}
