/*
 * The floor: the least a credential-checking SOCK_SEQPACKET relay can do,
 * written plainly in C, for bench/run.sh to hold peerrelay against. It does
 * no policy beyond "same uid", no logging, no protocol and no relaying.
 *
 *   floor serve ADDR               read datagrams until end of stream,
 *                                  write each with a newline to stdout
 *   floor serve ADDR -- CMD...     per connection: fork, exec CMD with the
 *                                  connection as its stdin and stdout
 *   floor serve -e ADDR -- CMD...  per datagram: fork, exec CMD (stdin
 *                                  /dev/null), wait, reply one status byte
 *   floor send ADDR MESSAGE        send MESSAGE, half-close, copy replies
 *   floor stream ADDR              one send(2) per stdin line, half-close,
 *                                  wait for the server to close
 *   floor lines ADDR               one datagram per stdin line, wait for a
 *                                  reply to each (pipelined)
 *   floor hold ADDR N MESSAGE      hold N connections, each having sent
 *                                  MESSAGE and read a reply; print "ready",
 *                                  close them all at end of stdin
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUFSZ	(64 * 1024)

static char	 buf[BUFSZ];

static socklen_t
address(const char *text, struct sockaddr_un *sun)
{
	size_t	 n = strlen(text);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof(sun->sun_path))
		errx(64, "%s: bad address", text);
	memcpy(sun->sun_path, text, n);
	if (text[0] == '@')
		sun->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (text[0] == '@' ? 0 : 1));
}

static int
dial(const char *text)
{
	struct sockaddr_un	 sun;
	socklen_t		 len = address(text, &sun);
	int			 fd;

	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		err(70, "socket");
	if (connect(fd, (struct sockaddr *)&sun, len) == -1)
		err(69, "%s", text);
	return fd;
}

/* Read all of stdin; the caller splits it into lines. */
static char *
slurp(size_t *lenp)
{
	size_t	 len = 0, cap = 1 << 20;
	ssize_t	 n;
	char	*p = malloc(cap);

	if (p == NULL)
		err(70, "malloc");
	while ((n = read(0, p + len, cap - len)) != 0) {
		if (n == -1)
			err(70, "stdin");
		len += (size_t)n;
		if (len == cap && (p = realloc(p, cap *= 2)) == NULL)
			err(70, "realloc");
	}
	*lenp = len;
	return p;
}

static void
drain(int fd)
{
	ssize_t	 n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (write(1, buf, (size_t)n) != n)
			err(70, "stdout");
	if (n == -1)
		err(70, "recv");
}

static int
do_send(char **argv)
{
	int	 fd = dial(argv[0]);

	if (send(fd, argv[1], strlen(argv[1]), 0) == -1)
		err(70, "send");
	shutdown(fd, SHUT_WR);
	drain(fd);
	return 0;
}

static int
do_stream(char **argv)
{
	size_t	 len;
	char	*p = slurp(&len), *end = p + len, *nl;
	int	 fd = dial(argv[0]);

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl > p && send(fd, p, (size_t)(nl - p), 0) == -1)
			err(70, "send");
	}
	shutdown(fd, SHUT_WR);
	drain(fd);
	return 0;
}

static int
do_lines(char **argv)
{
	struct pollfd	 pfd;
	size_t		 len, sent = 0, got = 0, total = 0;
	char		*p = slurp(&len), *end = p + len, *nl, *q;
	int		 fd = dial(argv[0]), status = 0;
	ssize_t		 n;

	for (q = p; q < end; q++)
		total += *q == '\n';
	pfd.fd = fd;
	while (got < total) {
		pfd.events = POLLIN | (sent < total ? POLLOUT : 0);
		if (poll(&pfd, 1, -1) == -1)
			err(70, "poll");
		while (sent < total && (pfd.revents & POLLOUT)) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (send(fd, p, (size_t)(nl - p), MSG_DONTWAIT) == -1) {
				if (errno == EAGAIN)
					break;
				err(70, "send");
			}
			p = nl + 1;
			sent++;
		}
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			if (buf[0] != 0 && status == 0)
				status = buf[0];
			got++;
		}
		if (n == 0)
			errx(69, "server closed after %zu replies", got);
	}
	return status;
}

static int
do_hold(char **argv)
{
	long		 i, n = strtol(argv[1], NULL, 10);
	int		*fds;

	if (n < 1 || n > 4096)
		errx(64, "%s: bad count", argv[1]);
	if ((fds = calloc((size_t)n, sizeof(*fds))) == NULL)
		err(70, "calloc");
	for (i = 0; i < n; i++) {
		fds[i] = dial(argv[0]);
		if (send(fds[i], argv[2], strlen(argv[2]), 0) == -1)
			err(70, "send");
		if (recv(fds[i], buf, sizeof(buf), 0) <= 0)
			errx(69, "no reply on connection %ld", i);
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static int
allowed(int fd)
{
	struct ucred	 uc;
	socklen_t	 len = sizeof(uc);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 &&
	    uc.uid == getuid();
}

static int
do_serve(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 each = 0, lfd, fd, null, ws;
	char			**cmd = NULL;
	ssize_t			 n;
	pid_t			 pid;

	if (argc > 0 && strcmp(argv[0], "-e") == 0) {
		each = 1;
		argv++, argc--;
	}
	if (argc < 1)
		errx(64, "serve: no address");
	if (argc > 2 && strcmp(argv[1], "--") == 0)
		cmd = argv + 2;
	len = address(argv[0], &sun);
	if (argv[0][0] != '@')
		unlink(argv[0]);
	if ((lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		err(70, "socket");
	if (bind(lfd, (struct sockaddr *)&sun, len) == -1 ||
	    listen(lfd, SOMAXCONN) == -1)
		err(69, "%s", argv[0]);
	if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		err(70, "/dev/null");
	/* Per-connection children are never waited for. */
	if (cmd != NULL && !each)
		signal(SIGCHLD, SIG_IGN);
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		if (!allowed(fd)) {
			close(fd);
			continue;
		}
		if (cmd != NULL && !each) {
			if (fork() == 0) {
				signal(SIGCHLD, SIG_DFL);
				dup2(fd, 0);
				dup2(fd, 1);
				execv(cmd[0], cmd);
				_exit(127);
			}
			close(fd);
			continue;
		}
		while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
			if (cmd == NULL) {
				buf[n] = '\n';
				if (write(1, buf, (size_t)n + 1) == -1)
					err(70, "stdout");
				continue;
			}
			if ((pid = fork()) == 0) {
				dup2(null, 0);
				execv(cmd[0], cmd);
				_exit(127);
			}
			if (pid == -1 || waitpid(pid, &ws, 0) == -1)
				err(70, "fork");
			buf[0] = WIFEXITED(ws) ? (char)WEXITSTATUS(ws) : 1;
			if (send(fd, buf, 1, MSG_NOSIGNAL) == -1)
				break;
		}
		close(fd);
	}
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "serve") == 0)
		return do_serve(argc - 2, argv + 2);
	if (argc == 4 && strcmp(argv[1], "send") == 0)
		return do_send(argv + 2);
	if (argc == 3 && strcmp(argv[1], "stream") == 0)
		return do_stream(argv + 2);
	if (argc == 3 && strcmp(argv[1], "lines") == 0)
		return do_lines(argv + 2);
	if (argc == 5 && strcmp(argv[1], "hold") == 0)
		return do_hold(argv + 2);
	fprintf(stderr, "usage: floor serve [-e] ADDR [-- CMD...] | send ADDR "
	    "MESSAGE | stream ADDR | lines ADDR | hold ADDR N MESSAGE\n");
	return 64;
}
