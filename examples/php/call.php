<?php
/*
 * The two ways from the command line, as a test (and a try-out) runs them:
 *
 *	php call.php exec|socket ADDRESS ACTION [ARG...] <payload
 *
 * The action's output on stdout and stderr, then exits with its status.
 * exec runs $PEERRELAY (default /usr/bin/peerrelay) with --expect-user
 * root; socket speaks the protocol itself. $PEERRELAY_TIMEOUT: seconds
 * to wait (default 30).
 */

declare(strict_types=1);

require __DIR__ . '/peerrelay_exec.php';
require __DIR__ . '/peerrelay_socket.php';

if ($argc < 4 || !in_array($argv[1], ['exec', 'socket'], true)) {
	fwrite(STDERR, "usage: php call.php exec|socket ADDRESS ACTION [ARG...]\n");
	exit(64);
}
$payload = stream_get_contents(STDIN);
$args = array_slice($argv, 4);
$timeout = (int)(getenv('PEERRELAY_TIMEOUT') ?: 30);
if ($argv[1] === 'exec') {
	[$status, $out, $err] = peerrelay_exec($argv[2], $argv[3], $args,
	    $payload, 'root', $timeout,
	    getenv('PEERRELAY') ?: '/usr/bin/peerrelay');
} else {
	[$status, $out, $err, $id] = peerrelay_socket($argv[2], $argv[3],
	    $args, $payload, $timeout);
	if ($status !== 0 && $id !== '')
		$err .= "(request $id)\n";
}
fwrite(STDOUT, $out);
fwrite(STDERR, $err);
exit($status);
