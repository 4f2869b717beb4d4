<?php
/*
 * The same call as peerrelay_exec.php, without starting a process: PHP's
 * ext/sockets speaks peerrelay's protocol (peerrelay(1), PROTOCOL) over a
 * SOCK_SEQPACKET socket, as `peerrelay send ADDRESS -- ACTION ARG...` does:
 *
 *	hello		an empty datagram; the answer "h..." must grant R
 *	request		ACTION NUL ARG NUL ... NUL NUL PAYLOAD, one datagram
 *	replies		o (stdout), e (stderr), then one of x (exit), k
 *			(signal), t (timed out), r (refused)
 *
 *	[$status, $stdout, $stderr, $id] = peerrelay_socket(
 *	    '/run/peerrelay/admin.sock', 'apply-config', [], $body);
 *
 * PHP 8.2 cannot read SO_PEERCRED, so this cannot check who listens, as
 * send --expect-user does: use it only with a socket file in a directory
 * no one but root can write (/run/peerrelay), never an abstract @name,
 * which anyone may bind first. $status as send's exit status.
 */

declare(strict_types=1);

function peerrelay_socket(string $path, string $action, array $args = [],
    string $payload = '', int $timeout = 30): array
{
	if ($path === '' || $path[0] === '@')
		throw new InvalidArgumentException("$path: a socket file, " .
		    "not an abstract name, which anyone may squat");
	$s = socket_create(AF_UNIX, SOCK_SEQPACKET, 0);
	if ($s === false)
		throw new RuntimeException('socket: ' .
		    socket_strerror(socket_last_error()));
	$tv = ['sec' => $timeout, 'usec' => 0];
	socket_set_option($s, SOL_SOCKET, SO_RCVTIMEO, $tv);
	socket_set_option($s, SOL_SOCKET, SO_SNDTIMEO, $tv);
	try {
		if (!@socket_connect($s, $path))
			return [69, '', "$path: cannot connect: " .
			    socket_strerror(socket_last_error($s)) . "\n", ''];
		/* The hello: an empty datagram, answered before anything else. */
		if (socket_send($s, '', 0, 0) === false)
			return [69, '', "hello not sent\n", ''];
		$id = '';
		for (;;) {
			$m = peerrelay_recv($s);
			if ($m === false)
				return [75, '', "timed out awaiting the hello's " .
				    "answer\n", ''];
			if ($m === null)
				return [69, '', "closed before answering the " .
				    "hello: not a peerrelay listener?\n", ''];
			if ($m[0] === 'r')
				return peerrelay_refused($m, '', '', $id);
			if ($m[0] !== 'h')
				continue;
			if (strpos($m, 'R') === false)
				return [69, '', "the listener takes no " .
				    "actions\n", ''];
			break;
		}
		/* The request: its header, fields ended by NUL, then the payload. */
		$req = $action . "\0";
		foreach ($args as $a) {
			$a = (string)$a;
			if ($a === '' || strpos($a, "\0") !== false)
				throw new InvalidArgumentException("an argument " .
				    "is not empty and holds no NUL byte");
			$req .= $a . "\0";
		}
		$req .= "\0" . $payload;
		if (socket_send($s, $req, strlen($req), 0) !== strlen($req))
			return [65, '', "request not sent whole: " .
			    socket_strerror(socket_last_error($s)) . "\n", $id];
		socket_shutdown($s, 1);
		$out = $err = '';
		while (($m = peerrelay_recv($s)) !== null) {
			if ($m === false)
				return [75, $out, $err . "timed out\n", $id];
			$body = (string)substr($m, 1);
			switch ($m[0]) {
			case 'i':
				$id = $body . '.1';
				break;
			case 'o':
				$out .= $body;
				break;
			case 'e':
				$err .= $body;
				break;
			case 'x':
				return [(int)$body, $out, $err, $id];
			case 'k':
				return [128 + (int)$body, $out, $err, $id];
			case 't':
				return [75, $out, $err . "timed out\n", $id];
			case 'r':
				return peerrelay_refused($m, $out, $err, $id);
			}
			/* Other types: a later version's; ignored, as it says. */
		}
		return [69, $out, $err . "closed before the request's end\n",
		    $id];
	} finally {
		socket_close($s);
	}
}

/* One reply datagram; null at the end of the stream; false: timed out. */
function peerrelay_recv(Socket $s): string|null|false
{
	$buf = '';
	$n = socket_recv($s, $buf, 65536, 0);
	if ($n === false)
		return socket_last_error($s) === SOCKET_EAGAIN ? false : null;
	if ($n === 0 || $buf === null)
		return null;
	return $buf;
}

/* "r77 not allowed: ...": its status, and its reason for stderr. */
function peerrelay_refused(string $m, string $out, string $err,
    string $id): array
{
	$status = (int)substr($m, 1, 2);
	return [$status > 0 ? $status : 70, $out,
	    $err . 'refused: ' . substr($m, 4) . "\n", $id];
}
