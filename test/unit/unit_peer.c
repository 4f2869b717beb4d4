/*
 * The connector's ids (src/peer.c): /proc/PID/status parsed and read, ids
 * read at accept on a real socket, and a datagram's SCM_CREDENTIALS judged.
 */
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../src/peer.h"
#include "unit.h"

static const char	 status_text[] =
    "Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\n"
    "Uid:\t33\t0\t0\t0\nGid:\t33\t33\t7\t33\nFDSize:\t64\nGroups:\t\n";

/* A credential as a datagram would carry it. */
static struct ucred
cred(pid_t pid, uid_t uid, gid_t gid)
{
	struct ucred	 uc = { pid, uid, gid };

	return uc;
}

/* A listening socket on an abstract name of this process's own. */
static int
listener(struct sockaddr_un *sun, socklen_t *len)
{
	int	 fd, n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1,
	    "unit-peer-%ld", (long)getpid());
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)sun, *len) == -1 ||
	    listen(fd, 4) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
main(void)
{
	struct peer	 p;
	struct ucred	 uc;
	uid_t		 u[3];
	gid_t		 g[3];
	uid_t		 ru, eu, su;
	gid_t		 rg, eg, sg;
	struct sockaddr_un sun;
	socklen_t	 len;
	int		 sv[2], ws = -1, fd, i;
	pid_t		 pid;

	CHECK(peer_parse_status(status_text, u, g) == 0 && u[0] == 33 &&
	    u[1] == 0 && u[2] == 0 && g[0] == 33 && g[1] == 33 && g[2] == 7,
	    "status: real, effective, saved uid and gid");
	CHECK(peer_parse_status("Name:\tx\nUid:\t1\t2\t3\t4\n", u, g) == -1,
	    "status without a Gid: line: refused");
	CHECK(peer_parse_status("Uid:\t1\t2\nGid:\t1\t2\t3\t4\n", u, g) == -1,
	    "status with two uids: refused");
	CHECK(peer_parse_status("Uid:\t1\tx\t3\t4\nGid:\t1\t2\t3\t4\n", u,
	    g) == -1, "status with a word for an id: refused");
	CHECK(peer_parse_status("Uid:\t4294967295\t0\t0\t0\n"
	    "Gid:\t0\t0\t0\t0\n", u, g) == -1, "status with (uid_t)-1: refused");
	CHECK(peer_parse_status("XUid:\t1\t1\t1\t1\nUid:\t5\t6\t7\t8\n"
	    "Gid:\t0\t0\t0\t0\n", u, g) == 0 && u[0] == 5,
	    "status: a key only at the start of a line");

	memset(&p, 0, sizeof(p));
	p.pid = 100;
	p.uid = 0;
	p.gid = 0;
	p.uids[0] = 33;
	p.ids_from = PEER_IDS_PIDFD;
	uc = cred(100, 33, 0);
	CHECK(peer_sent(&p, &uc), "real uid 33, effective 0: its own datagram");
	uc = cred(101, 0, 0);
	CHECK(peer_sent(&p, &uc), "another pid with the connector's ids: sent");
	uc = cred(102, 65534, 65534);
	CHECK(!peer_sent(&p, &uc), "nobody: not the connector");
	uc = cred(102, 0, 65534);
	CHECK(!peer_sent(&p, &uc), "uid among, gid not: not the connector");
	uc = cred(0, 65534, 65534);
	CHECK(!peer_sent(&p, &uc), "pid 0 (never recorded): no credentials");
	CHECK(!peer_sent(&p, NULL), "no SCM_CREDENTIALS: no credentials");
	p.pid = 0;
	uc = cred(0, 0, 0);
	CHECK(peer_sent(&p, &uc), "pid 0 where the connector's is 0 too: "
	    "judged by ids");

	(void)getresuid(&ru, &eu, &su);
	(void)getresgid(&rg, &eg, &sg);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1) {
		printf("Bail out! socketpair\n");
		return 1;
	}
	CHECK(peer_read(sv[0], &p) == 0, "peer_read on a socketpair");
	peer_examine(sv[0], &p, NULL);
	CHECK(p.ids_from != PEER_IDS_PEERCRED && p.uids[0] == ru &&
	    p.uids[1] == eu && p.uids[2] == su && p.gids[0] == rg &&
	    p.gids[1] == eg && p.gids[2] == sg,
	    "a live connector's ids, from %s", peer_ids_source(&p));
	peer_free(&p);
	close(sv[0]);
	close(sv[1]);

	/* /proc, as on kernels without PIDFD_GET_INFO. */
	if (pipe(sv) == -1) {
		printf("Bail out! pipe\n");
		return 1;
	}
	if ((pid = fork()) == 0) {
		char	 b;

		close(sv[1]);
		/* As root: real uid 33, effective and saved 0. */
		if (getuid() == 0 && setresuid(33, 0, 0) == -1)
			_exit(1);
		if (read(sv[0], &b, 1) == -1)
			_exit(1);
		_exit(0);
	}
	close(sv[0]);
	fd = pidfd_open(pid, 0);
	/* Its ids change once it runs: wait for them. */
	for (i = 0; i < 1000; i++) {
		if (peer_proc_ids(pid, fd, u, g) == 0 &&
		    (ru != 0 || u[0] == 33))
			break;
		usleep(1000);
	}
	CHECK(fd != -1 && u[0] == (ru == 0 ? 33 : ru) && u[1] == eu &&
	    u[2] == su && g[0] == rg && g[1] == eg && g[2] == sg,
	    "/proc: a live process's real, effective and saved ids");
	close(sv[1]);
	(void)waitpid(pid, NULL, 0);
	CHECK(peer_proc_ids(pid, fd, u, g) == -1 && errno == ESRCH,
	    "/proc: a process gone (reaped): ESRCH");
	if (fd != -1)
		close(fd);

	/* A connector gone (and reaped) by accept: SO_PEERCRED's ids alone. */
	if ((sv[0] = listener(&sun, &len)) == -1) {
		printf("Bail out! listener\n");
		return 1;
	}
	if ((pid = fork()) == 0) {
		sv[1] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		_exit(connect(sv[1], (struct sockaddr *)&sun, len) == -1);
	}
	(void)waitpid(pid, &ws, 0);
	sv[1] = accept(sv[0], NULL, NULL);
	CHECK(ws == 0 && sv[1] != -1 && peer_read(sv[1], &p) == 0 &&
	    p.pid == pid, "accepted after its connector was reaped");
	peer_examine(sv[1], &p, NULL);
	CHECK(p.ids_from == PEER_IDS_PEERCRED && p.uids[0] == p.uid &&
	    p.uids[1] == p.uid && p.uids[2] == p.uid && p.gids[0] == p.gid &&
	    p.gids[1] == p.gid && p.gids[2] == p.gid,
	    "a connector gone: SO_PEERCRED's uid and gid alone (%s)",
	    peer_ids_source(&p));
	peer_free(&p);
	close(sv[1]);
	close(sv[0]);
	return UNIT_DONE();
}
