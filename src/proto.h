/* Wire protocol v1: replies are datagrams whose first byte is their type. */
#ifndef PEERRELAY_PROTO_H
#define PEERRELAY_PROTO_H

#include <stddef.h>

/*
 * The largest request: Linux cannot carry one SOCK_SEQPACKET datagram much
 * larger (its head must fit one kmalloc), so neither side offers more.
 */
#define PROTO_MAX_REQUEST	(4 * 1024 * 1024)

/* A reply datagram is never larger than this, type byte included. */
#define PROTO_MAX_REPLY		65536

#define PROTO_STDOUT		'o'
#define PROTO_STDERR		'e'
#define PROTO_EXIT		'x'
#define PROTO_SIGNAL		'k'
#define PROTO_TIMEOUT		't'
#define PROTO_REFUSED		'r'
#define PROTO_ACK		'a'
/* Extensions, only for a client that asked with a hello (an empty first datagram). */
#define PROTO_HELLO		'h'	/* the hello's answer: what is granted */
#define PROTO_ACKS		'A'	/* acknowledges the next N requests */
#define PROTO_CONN_ID		'i'	/* the connection's id, after the 'h' */
/* What an 'h' reply may grant, a byte each. */
#define PROTO_GRANT_ACKS	'A'	/* counted acknowledgements */
#define PROTO_GRANT_ACTIONS	'R'	/* action requests (listen --rules) */
#define PROTO_GRANT_LIST	'L'	/* list requests, with R */
/*
 * A list request: an action request for this name, which no rules file
 * can hold (its names begin with a letter or digit), with no arguments
 * and an empty payload.
 */
#define PROTO_LIST_ACTION	"?list"
/* The largest signal number a 'k' reply may carry: Linux's SIGRTMAX. */
#define PROTO_MAX_SIGNAL	64
/* A refusal's reason is shown up to this many bytes, ... */
#define PROTO_MAX_REASON	256
/* ...in a buffer this large: 4 bytes of strvis(3) each, "...", NUL. */
#define PROTO_REASON_SIZE	(PROTO_MAX_REASON * 4 + 4)
/* The most requests one 'A' reply acknowledges. */
#define PROTO_MAX_ACKS		999999999UL
/* An 'i' reply's id: 1 to this many bytes of letters, digits, '-', '_'. */
#define PROTO_MAX_CONN_ID	64

struct reply {
	int		 type;		/* 0 for a type this version ignores */
	int		 terminal;	/* ends one request */
	int		 status;	/* exit status for send, when terminal */
	unsigned long	 count;		/* requests a terminal reply answers */
	const char	*data;		/* o, e: the bytes; r: the reason; i: the id */
	size_t		 len;
};

int	proto_decode(const char *, size_t, struct reply *);
void	proto_reason(const struct reply *, char *, size_t);

/*
 * The replies the listener builds, each written whole into buf, type byte
 * first: its length, or -1 when it does not fit.
 */
int	proto_format_status(char *, size_t, int, int);
int	proto_status(char *, size_t, int, int);
int	proto_ack(char *, size_t);
int	proto_acks(char *, size_t, unsigned long);
int	proto_hello(char *, size_t, int);
int	proto_conn_id(char *, size_t, const char *);
int	proto_refusal(char *, size_t, int, const char *);
int	proto_denial(char *, size_t, unsigned long);
int	proto_busy(char *, size_t, unsigned long, unsigned int);

#endif
