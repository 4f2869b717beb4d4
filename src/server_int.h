/* Between server.c (set-up, signals, teardown) and serve.c (the loop). */
#ifndef PEERRELAY_SERVER_INT_H
#define PEERRELAY_SERVER_INT_H

#include <poll.h>

#include "config.h"
#include "conn.h"
#include "dgram.h"
#include "spawn.h"

struct server {
	struct config	*cfg;
	struct spawner	 sp;
	struct intake	 in;		/* also scratch for command output */
	int		 lfd;
	int		 sfd;
	struct conn	*conns;
	unsigned int	 nconns;
	struct pollfd	*pfd;
	struct conn	**pconn;	/* which connection each pfd is for */
	int		 stopping;	/* first signal: finish, take no more */
	long long	 stop_ms;	/* --stop-timeout's deadline, or 0 */
	int		 ending;	/* commands ended: exit once reaped */
	int		 served;	/* --once: a connection was taken */
	int		 last_status;
	int		 stdout_dirty;
	/* Out of descriptors at accept(2): since, the next try, its delay. */
	long long	 accept_fault_ms;
	long long	 accept_retry_ms;
	long long	 accept_delay;
	int		 failed;	/* stopped by an error: EX_SOFTWARE */
	int		 cut_short;	/* third signal: exit 0, even --once */
	long long	 sweep_ms;	/* a supervisor lost: next sweep, or 0 */
};

void	server_loop(struct server *);
int	server_signals(struct server *);
long long server_stop_timer(struct server *, long long);
long long server_sweep_timer(struct server *, long long);
unsigned int server_running(const struct server *);
void	server_fail(struct server *, const char *);
void	server_stop_listening(struct server *);
void	server_close_conn(struct server *, struct conn *, const char *);

#endif
