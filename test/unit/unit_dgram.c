/*
 * The datagram classifier (src/dgram.c) on a real SOCK_SEQPACKET
 * socketpair: requests, empty datagrams, descriptors passed, end of stream.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../../src/dgram.h"
#include "unit.h"

/* Send one datagram carrying fd as SCM_RIGHTS. */
static int
send_fd(int sock, const char *data, size_t len, int fd)
{
	union {
		struct cmsghdr	 h;
		char		 b[CMSG_SPACE(sizeof(int))];
	}		 u;
	struct iovec	 iov = { (void *)data, len };
	struct msghdr	 m;
	struct cmsghdr	*h;

	memset(&m, 0, sizeof(m));
	memset(&u, 0, sizeof(u));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.b;
	m.msg_controllen = sizeof(u.b);
	h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == (ssize_t)len ? 0 : -1;
}

/* How many descriptors this process holds at or above from. */
static int
open_fds(int from)
{
	int	 fd, n = 0;

	for (fd = from; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

int
main(void)
{
	struct intake	 in;
	struct dgram	 d[DGRAM_SLOTS];
	int		 sv[2], p[2], gone = 0, n, before;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1 ||
	    intake_init(&in, 8, 1, 64) == -1) {
		printf("Bail out! socketpair or intake_init\n");
		return 1;
	}
	CHECK(in.slots == DGRAM_SLOTS, "small slots: a batch of %d",
	    DGRAM_SLOTS);
	CHECK(dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone) == 0 && !gone,
	    "nothing waiting: 0 taken, not gone");

	(void)send(sv[1], "hello", 5, 0);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 1 && d[0].kind == DGRAM_REQUEST && d[0].len == 5 &&
	    memcmp(d[0].data, "hello", 5) == 0, "a request, its bytes");

	(void)send(sv[1], "0123456789abcdef", 16, 0);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 1 && d[0].kind == DGRAM_REQUEST && d[0].len == 16,
	    "a request larger than its slot: its whole length, to refuse");

	(void)send(sv[1], "", 0, 0);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 1 && d[0].kind == DGRAM_EMPTY && d[0].len == 0,
	    "an empty datagram, the client still writing: empty");

	(void)send(sv[1], "", 0, 0);
	(void)send(sv[1], "x", 1, 0);
	(void)send(sv[1], "yz", 2, 0);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 3 && d[0].kind == DGRAM_EMPTY &&
	    d[1].kind == DGRAM_REQUEST && d[1].len == 1 &&
	    d[2].kind == DGRAM_REQUEST && d[2].len == 2 &&
	    memcmp(d[2].data, "yz", 2) == 0,
	    "empty, then two requests in one take, each in its slot");

	(void)send(sv[1], "a", 1, 0);
	(void)send(sv[1], "b", 1, 0);
	n = dgram_take(&in, sv[0], 1, d, &gone);
	CHECK(n == 1 && d[0].len == 1 && d[0].data[0] == 'a',
	    "max 1: one taken, the next left waiting");
	n = dgram_take(&in, sv[0], 1, d, &gone);
	CHECK(n == 1 && d[0].data[0] == 'b', "then the next");

	if (pipe(p) == -1) {
		printf("Bail out! pipe\n");
		return 1;
	}
	before = open_fds(3);
	(void)send_fd(sv[1], "fd", 2, p[0]);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 1 && d[0].kind == DGRAM_RIGHTS, "SCM_RIGHTS passed: rights");
	CHECK(open_fds(3) == before, "the descriptor passed is closed at once");
	(void)send_fd(sv[1], "", 0, p[1]);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 1 && d[0].kind == DGRAM_RIGHTS,
	    "an empty datagram with a descriptor: rights, not empty");

	(void)send(sv[1], "", 0, 0);
	(void)send(sv[1], "last", 4, 0);
	(void)shutdown(sv[1], SHUT_WR);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 3 && d[0].kind == DGRAM_EMPTY &&
	    d[1].kind == DGRAM_REQUEST && d[2].kind == DGRAM_END && !gone,
	    "after shutdown: empty, request, then end of stream, last");
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 1 && d[0].kind == DGRAM_END, "end of stream stays the end");

	close(sv[1]);
	close(sv[0]);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1) {
		printf("Bail out! socketpair\n");
		return 1;
	}
	(void)send(sv[1], "", 0, 0);
	(void)shutdown(sv[1], SHUT_WR);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n >= 1 && d[0].kind == DGRAM_END,
	    "an empty datagram then shutdown, nothing after: end of stream "
	    "(Linux cannot tell them apart)");
	close(sv[0]);
	close(sv[1]);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1) {
		printf("Bail out! socketpair\n");
		return 1;
	}
	(void)send(sv[1], "plain", 5, 0);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 1 && d[0].kind == DGRAM_REQUEST && !d[0].has_cred,
	    "without SO_PASSCRED: no credentials");
	(void)setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){ 1 },
	    sizeof(int));
	(void)send(sv[1], "a", 1, 0);
	(void)send(sv[1], "", 0, 0);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 2 && d[0].has_cred && d[0].cred.pid == getpid() &&
	    d[0].cred.uid == getuid() && d[0].cred.gid == getgid() &&
	    d[1].kind == DGRAM_EMPTY && d[1].has_cred,
	    "with SO_PASSCRED: each datagram's pid, real uid and gid, an "
	    "empty one's too");
	(void)send_fd(sv[1], "fd", 2, p[0]);
	n = dgram_take(&in, sv[0], DGRAM_SLOTS, d, &gone);
	CHECK(n == 1 && d[0].kind == DGRAM_RIGHTS && d[0].has_cred,
	    "credentials and a descriptor: both seen, the descriptor closed");
	close(sv[0]);
	close(sv[1]);
	intake_free(&in);

	CHECK(intake_init(&in, 4 * 1024 * 1024, 1, 64) == 0 && in.slots == 1,
	    "4 MiB slots: one at a time");
	intake_free(&in);
	CHECK(intake_init(&in, 64 * 1024, 0, 65536) == 0 && in.slots == 1,
	    "exec mode: one slot");
	intake_free(&in);
	return UNIT_DONE();
}
