/*
 * A listener's run around its loop (serve.c): set-up, signals, reaping,
 * the descriptor budget, and on every way out the socket file removed and
 * the reason logged. server_run returns an exit status, never exits.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "conn.h"
#include "descend.h"
#include "connid.h"
#include "log.h"
#include "supfast.h"
#include "proto.h"
#include "server.h"
#include "server_int.h"
#include "spawn.h"

/*
 * Each connection may hold its socket and three pipes (its command's
 * stdout and stderr, its supervisor's reports) at once: can
 * the descriptor limit (raised as far as allowed) hold max_conns of them?
 * -1 when it cannot, with what is needed and the limit.
 */
int
server_fd_budget(unsigned int max_conns, unsigned long long *need,
    unsigned long long *limit)
{
	struct rlimit	 rl;
	rlim_t		 want = 4 * (rlim_t)max_conns + 16;

	*need = want;
	*limit = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	*limit = rl.rlim_cur;
	return rl.rlim_cur < want ? -1 : 0;
}

/* Stop with an error; what failed and why go to the log. */
void
server_fail(struct server *s, const char *what)
{
	log_line(LOG_ALWAYS, "stopping: %s: %s", what, strerror(errno));
	s->failed = 1;
}

void
server_stop_listening(struct server *s)
{
	if (s->lfd == -1)
		return;
	if (addr_unlink_if_ours(&s->cfg->addr) == -1)
		log_line(LOG_ALWAYS, "%s: cannot remove: %s",
		    s->cfg->addr.text, strerror(errno));
	close(s->lfd);
	s->lfd = -1;
}

/* Close a connection; --once exits with its last request's status. */
void
server_close_conn(struct server *s, struct conn *c, const char *why)
{
	if (s->cfg->once)
		s->last_status = c->last_status;
	conn_close(c, why);
	s->nconns--;
	/* A descriptor is free again: try accept(2) now, not at the timer. */
	s->accept_retry_ms = 0;
}

static void
reap(struct server *s)
{
	struct rusage	 ru;
	unsigned int	 i;
	pid_t		 pid;
	int		 ws;

	/* A supervisor's usage holds its command's and all it reaped. */
	while ((pid = wait4(-1, &ws, WNOHANG | WUNTRACED, &ru)) > 0) {
		/*
		 * A child stopped (a supervisor its command stopped, say)
		 * would hold its request: it goes on at once.
		 */
		if (WIFSTOPPED(ws)) {
			(void)kill(pid, SIGCONT);
			continue;
		}
		supfast_reaped(pid);
		for (i = 0; i < s->cfg->max_conns; i++)
			if (s->conns[i].fd != -1 &&
			    s->conns[i].job.pid == pid) {
				conn_reaped(&s->conns[i], ws, &ru, s->in.buf);
				break;
			}
	}
}

/* Commands running now. */
unsigned int
server_running(const struct server *s)
{
	unsigned int	 i, n = 0;

	for (i = 0; i < s->cfg->max_conns; i++)
		if (s->conns[i].fd != -1 && s->conns[i].job.pid != 0)
			n++;
	return n;
}

/*
 * The first signal: no new connection, no new request (those received are
 * refused), running commands finish within --stop-timeout.
 */
static void
server_stop(struct server *s, const char *sig)
{
	unsigned int	 i;

	log_event(LOG_NORMAL, "stopping", "%s: stopping: %u connection(s), "
	    "%u command(s) running", sig, s->nconns, server_running(s));
	s->stopping = 1;
	server_stop_listening(s);
	for (i = 0; i < s->cfg->max_conns; i++)
		if (s->conns[i].fd != -1)
			conn_stop(&s->conns[i]);
	if (s->cfg->stop_timeout > 0)
		s->stop_ms = now_ms() + (long long)s->cfg->stop_timeout * 1000;
}

/* A second signal, or --stop-timeout: end what still runs, then exit. */
static void
server_end_jobs(struct server *s, const char *why)
{
	long long	 now = now_ms();
	unsigned int	 i;

	log_event(LOG_ALWAYS, "ending", "%s: ending %u command(s)", why,
	    server_running(s));
	s->ending = 1;
	for (i = 0; i < s->cfg->max_conns; i++)
		if (s->conns[i].fd != -1)
			job_end(&s->conns[i].job, now);
}

/* --stop-timeout: end the commands when it is due. The next deadline, or -1. */
long long
server_stop_timer(struct server *s, long long now)
{
	if (s->stop_ms == 0 || s->ending)
		return -1;
	if (now < s->stop_ms)
		return s->stop_ms;
	server_end_jobs(s, "--stop-timeout");
	return -1;
}

/* Is pid the supervisor of a request running now? */
static int
is_supervisor(pid_t pid, void *arg)
{
	struct server	*s = arg;
	unsigned int	 i;

	for (i = 0; i < s->cfg->max_conns; i++)
		if (s->conns[i].fd != -1 && s->conns[i].job.pid == pid)
			return 1;
	return 0;
}

/*
 * A supervisor was killed from outside (by root, the OOM killer, or its
 * own command, run as the listener's user): what it supervised came to us,
 * a subreaper too. KILL it all, round after round, leaving the running
 * supervisors' trees be, until a round finds nothing it may signal. The
 * next round's time, or -1.
 */
long long
server_sweep_timer(struct server *s, long long now)
{
	struct descend_count	 dc;

	if (job_lost())
		s->sweep_ms = now;
	if (s->sweep_ms == 0)
		return -1;
	if (now < s->sweep_ms)
		return s->sweep_ms;
	if (descend_signal(SIGKILL, &dc, is_supervisor, NULL, s) == -1 ||
	    dc.signalled == 0) {
		s->sweep_ms = 0;
		return -1;
	}
	log_line(LOG_ALWAYS, "warning: a supervisor was lost: %u process(es) "
	    "it supervised killed", dc.signalled);
	s->sweep_ms = now + 20;
	return s->sweep_ms;
}

/* Signals, read from the signalfd; -1 when the listener must stop now. */
int
server_signals(struct server *s)
{
	struct signalfd_siginfo	 si;
	char			 why[64];
	unsigned int		 i;

	while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(s);
			break;
		case SIGHUP:
			/* Rules mode: the loop pauses while FILE loads. */
			if (s->cfg->rules_file != NULL)
				(void)config_reload(s->cfg);
			else
				log_line(LOG_NORMAL, "SIGHUP ignored");
			break;
		default:
			if (!s->stopping) {
				server_stop(s, strsignal((int)si.ssi_signo));
				break;
			}
			if (!s->ending) {
				snprintf(why, sizeof(why), "second %s",
				    strsignal((int)si.ssi_signo));
				server_end_jobs(s, why);
				break;
			}
			log_event(LOG_ALWAYS, "exiting", "third %s: exiting now",
			    strsignal((int)si.ssi_signo));
			for (i = 0; i < s->cfg->max_conns; i++)
				if (s->conns[i].fd != -1)
					job_kill(&s->conns[i].job);
			s->cut_short = 1;
			return -1;
		}
	}
	return 0;
}

/* TERM, INT, HUP and CHLD through a signalfd, from now on. */
static int
signals_fd(void)
{
	sigset_t	 set;

	/* Replies use MSG_NOSIGNAL; a dead stdout reader must not kill us either. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int
server_init(struct server *s)
{
	struct config	*cfg = s->cfg;
	char		 local[sizeof(cfg->addr.sun.sun_path) + 1];
	unsigned int	 i;
	/* Signals, listener, log; per connection its socket and two pipes. */
	size_t		 npfd = 3 + 3 * (size_t)cfg->max_conns;

	/* This start's prefix of connection ids. */
	if (connid_init() == -1) {
		server_fail(s, "getrandom");
		return -1;
	}
	if ((s->conns = calloc(cfg->max_conns, sizeof(*s->conns))) == NULL ||
	    (s->pfd = calloc(npfd, sizeof(*s->pfd))) == NULL ||
	    (s->pconn = calloc(npfd, sizeof(*s->pconn))) == NULL) {
		server_fail(s, "calloc");
		return -1;
	}
	for (i = 0; i < cfg->max_conns; i++)
		s->conns[i].fd = -1;
	/* Print mode takes datagrams in batches; either relays output through it. */
	if (intake_init(&s->in, cfg->max_size, !CONFIG_EXEC(cfg),
	    PROTO_MAX_REPLY) == -1) {
		server_fail(s, "malloc");
		return -1;
	}
	if (CONFIG_EXEC(cfg)) {
		/* Rules: each request's rule gives the path and argv. */
		if (spawn_setup(&s->sp, cfg->command != NULL ? cfg->path :
		    cfg->rules_file, cfg->command, cfg->keep_env,
		    cfg->nkeep, cfg->run_as != NULL ? &cfg->runas : NULL,
		    addr_local_name(&cfg->addr, local, sizeof(local)) == 0 ?
		    local : NULL) == -1) {
			server_fail(s, "command set-up");
			return -1;
		}
		/* Orphans a command leaves behind become ours to reap, never zombies. */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
			server_fail(s, "prctl PR_SET_CHILD_SUBREAPER");
			return -1;
		}
	}
	/* From now on no log line blocks the loop. */
	if (log_start(cfg->max_conns) == -1) {
		server_fail(s, "malloc");
		return -1;
	}
	/* Only now: until bound, TERM and INT may simply end start-up. */
	if ((s->sfd = signals_fd()) == -1) {
		server_fail(s, "signalfd");
		return -1;
	}
	return 0;
}

/*
 * Serve on lfd, bound (or taken from systemd) for cfg, until a signal,
 * --once or an error ends it. The exit status: 0, --once's last request's,
 * or EX_SOFTWARE after an error (logged).
 */
int
server_run(struct config *cfg, int lfd)
{
	struct server	 s;
	unsigned int	 i;
	int		 status;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.lfd = lfd;
	s.sfd = -1;
	if (server_init(&s) == 0) {
		if (cfg->addr.abstract)
			log_line(LOG_ALWAYS, "warning: abstract socket %s: "
			    "anyone in this network namespace may connect, or "
			    "squat the name first (clients: use "
			    "--expect-user)", cfg->addr.text);
		if (cfg->rules_file != NULL)
			log_event(LOG_NORMAL, "listening", "listening on %s "
			    "(rules %s: %zu actions)", cfg->addr.text,
			    cfg->rules_file, cfg->rules.n);
		else
			log_event(LOG_NORMAL, "listening", "listening on %s "
			    "(%s)", cfg->addr.text, cfg->command != NULL ?
			    s.sp.path : "print mode");
		server_loop(&s);
	}
	server_stop_listening(&s);
	if (s.conns != NULL)
		for (i = 0; i < cfg->max_conns; i++)
			if (s.conns[i].fd != -1)
				server_close_conn(&s, &s.conns[i], "exit");
	spawn_free(&s.sp);
	intake_free(&s.in);
	free(s.conns);
	free(s.pfd);
	free(s.pconn);
	if (s.sfd != -1)
		close(s.sfd);
	if (!s.failed && fflush(stdout) == EOF)
		server_fail(&s, "stdout");
	status = s.failed ? EX_SOFTWARE : cfg->once && !s.cut_short ?
	    s.last_status : 0;
	log_event(LOG_NORMAL, "shutdown", "exiting with status %d", status);
	log_stop();
	return status;
}
