/*
 * send's side of a busy listener (r75 busy: the uid holds its
 * --max-conns-per-uid connections): the pause before connecting again,
 * and a client made ready to start over with the same input.
 */
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "input.h"

/*
 * The listener said busy: close, pause (CLIENT_BACKOFF_MS doubling in
 * *delay, never past deadline) and make ready to run again from the
 * start; the records sent are in the batch still. -1 once deadline has come.
 */
int
client_backoff(struct client *c, long long deadline, unsigned int *delay)
{
	long long	 left;
	unsigned int	 ms;

	close(c->fd);
	c->fd = -1;
	if ((left = deadline - now_ms()) <= 0)
		return -1;
	/* Jitter, so that clients turned away together do not return together. */
	ms = *delay + arc4random_uniform(*delay / 4 + 1);
	(void)poll(NULL, 0, (int)(ms < left ? ms : left));
	*delay = *delay * 2 < CLIENT_BACKOFF_MAX_MS ? *delay * 2 :
	    CLIENT_BACKOFF_MAX_MS;
	if (now_ms() >= deadline)
		return -1;
	/* Whole input: its one record again; lines: only the hello went. */
	if (c->in->split == INPUT_WHOLE) {
		c->phead = c->npend = 0;
		input_again(c->in);
	}
	c->shut = c->send_failed = 0;
	hello_reset(c);
	c->blocked_ms = c->shut_ms = 0;
	c->fhead = c->fcount = 0;
	c->sent = c->answered = c->last_answered = 0;
	c->refused = c->closed = c->busy = 0;
	c->expired = NULL;
	return 0;
}
