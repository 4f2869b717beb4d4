/* The process title ps(1) shows for a listener. */
#ifndef PEERRELAY_TITLE_H
#define PEERRELAY_TITLE_H

void	title_listen(const char *, unsigned int);
void	title_supervise(void);

#endif
