/* One entry point per subcommand. */
#ifndef PEERRELAY_CMD_H
#define PEERRELAY_CMD_H

#include <stdio.h>

#define PEERRELAY_VERSION	"0.1.0"

int	cmd_listen(int, char **);
int	cmd_send(int, char **);
void	listen_help(FILE *);
void	send_help(FILE *);

#endif
