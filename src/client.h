/* The client of `send`: one connection, its requests and their replies. */
#ifndef PEERRELAY_CLIENT_H
#define PEERRELAY_CLIENT_H

#include <sys/socket.h>
#include <sys/uio.h>

#include <stddef.h>

#include "addr.h"
#include "input.h"
#include "proto.h"

/* Records handed to the kernel per sendmmsg(2). */
#define CLIENT_SEND_BATCH	64
/* Replies taken per recvmmsg(2) when there are many requests. */
#define CLIENT_RECV_BATCH	16
/* Requests in flight at most: sending waits for replies beyond it. */
#define CLIENT_MAX_INFLIGHT	65536
/* A busy listener is tried again until --timeout, or this many seconds, ... */
#define CLIENT_BUSY_SECONDS	5
/* ...after a pause of 10 ms, doubling up to 500 ms, with a little jitter. */
#define CLIENT_BACKOFF_MS	10
#define CLIENT_BACKOFF_MAX_MS	500

struct client {
	/* set by the caller before client_run */
	const struct addr *addr;
	struct input	*in;
	int		 fd;
	int		 out_fd, err_fd;	/* where command output goes */
	int		 from_fd;	/* input to read, or -1: all in already */
	unsigned int	 timeout;	/* seconds, 0: none */
	int		 no_wait;
	int		 wmem_capped;	/* the send buffer was capped */
	size_t		 limit;		/* largest datagram the socket takes */
	/* the header every request carries (client_header.c), or none */
	const char	*action;	/* send's ACTION, or NULL */
	int		 list;		/* send --list: the hello must grant L */
	char		*hdr;
	size_t		 hdrlen;
	/* records taken from the input, waiting to be sent */
	struct record	 pend[CLIENT_SEND_BATCH];
	size_t		 phead, npend;
	int		 shut;		/* SHUT_WR done, or cannot send */
	int		 send_failed;	/* the listener stopped taking */
	long long	 blocked_ms;	/* sending waits since, or 0 */
	long long	 shut_ms;	/* the last record went then */
	int		 said_hello;
	int		 granted_actions; /* the hello's answer granted R */
	/* the connection's id from its 'i' reply, or empty (none came) */
	char		 conn_id[PROTO_MAX_CONN_ID + 1];
	/* record numbers of the requests in flight, oldest first */
	unsigned long	*flight;
	size_t		 fhead, fcount, fcap;
	unsigned long	 sent, answered;
	unsigned long	 last_answered;	/* its record number, or 0 */
	/* what the replies said */
	int		 hello;		/* said hello, no answer yet */
	int		 first_fail;
	int		 refused;
	int		 out_broken;
	int		 closed;	/* the listener closed */
	int		 stopping;	/* r69: the listener is stopping */
	int		 fatal;		/* the status that ends it at once */
	int		 busy;		/* refused r75 at once: try again */
	int		 no_actions;	/* an ACTION; the listener takes none,
					   or lists none (--list) */
	char		 busy_why[PROTO_REASON_SIZE];
	const char	*expired;	/* what --timeout cut short */
	char		*rbuf;
	unsigned int	 rslots;	/* replies per recvmmsg */
};

#define CLIENT_PENDING(c)	((c)->phead < (c)->npend)
/* The run ends now: what replies may still come is not read. */
#define CLIENT_ENDED(c)		((c)->fatal != 0 || (c)->busy || \
				    (c)->no_actions)

/* client.c: the connection and its loop. */
void	client_init(struct client *, const struct addr *, struct input *);
int	client_run(struct client *);
void	client_free(struct client *);

/* client_open.c: connecting, and the send buffer's size. */
int	client_connect(struct client *);
int	client_size(struct client *, size_t);

/* hello.c: the hello, its answer, what the listener grants. */
int	hello_wanted(const struct client *);
void	hello_said(struct client *);
void	hello_answer(struct client *, const struct reply *);
int	hello_conn_id(struct client *, const struct reply *);
int	hello_refused(struct client *, const struct reply *);
void	hello_reset(struct client *);

/* client_header.c: the header each request carries, a record behind it. */
int	header_set(struct client *, const char *, char *const *, size_t);
void	header_limit(struct client *);
void	header_frame(const struct client *, struct mmsghdr *,
	    struct iovec *, const struct record *);
void	header_oversized(const struct client *, unsigned long);
void	header_free(struct client *);

/* retry.c: a busy listener tried again. */
int	client_backoff(struct client *, long long, unsigned int *);

/* replies.c: the requests in flight and what the replies say of them. */
int	replies_sent(struct client *, const struct record *, size_t);
void	replies_take(struct client *, const char *, size_t);
long long replies_deadline(const struct client *);
int	replies_status(struct client *);
void	replies_free(struct client *);

#endif
