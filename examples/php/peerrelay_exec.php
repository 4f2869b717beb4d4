<?php
/*
 * Calling a peerrelay rules action from PHP (php-fpm, or php-cli) by
 * running `peerrelay send`: proc_open() with an argv ARRAY, so no shell
 * ever parses the action, its arguments or the payload. An argument
 * holding "; rm -rf /" or a newline arrives as one argv element.
 *
 *	[$status, $stdout, $stderr] = peerrelay_exec('/run/peerrelay/admin.sock',
 *	    'apply-config', [], $body, 'root');
 *
 * $status is send's exit status: the remote command's own, or peerrelay's
 * (65 bad input, 69 unavailable, 75 timed out, 77 refused; see
 * peerrelay(1), EXIT STATUS).
 */

declare(strict_types=1);

function peerrelay_exec(string $address, string $action, array $args = [],
    string $payload = '', ?string $expectUser = 'root', int $timeout = 30,
    string $peerrelay = '/usr/bin/peerrelay'): array
{
	$argv = [$peerrelay, 'send', '--timeout', (string)$timeout];
	/* Whoever listens must be this user: an abstract name can be squatted. */
	if ($expectUser !== null)
		array_push($argv, '--expect-user', $expectUser);
	array_push($argv, $address, '--', $action);
	foreach ($args as $a)
		$argv[] = (string)$a;
	$spec = [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']];
	/* An array: PHP 7.4+ executes it directly, no /bin/sh -c. */
	$proc = proc_open($argv, $spec, $pipes, null, []);
	if ($proc === false)
		throw new RuntimeException("cannot run $peerrelay");
	$out = ['', '', ''];
	$in = $payload;
	foreach ($pipes as $p)
		stream_set_blocking($p, false);
	if ($in === '') {
		fclose($pipes[0]);
		unset($pipes[0]);
	}
	/* Write the payload while reading the replies: neither side blocks. */
	while (isset($pipes[1]) || isset($pipes[2])) {
		$r = array_filter([1 => $pipes[1] ?? null, 2 => $pipes[2] ?? null]);
		$w = isset($pipes[0]) ? [$pipes[0]] : [];
		$e = null;
		if (stream_select($r, $w, $e, null) === false)
			break;
		if ($w !== []) {
			$n = fwrite($pipes[0], $in);
			if ($n === false) {
				$in = '';
			} else
				$in = (string)substr($in, $n);
			if ($in === '') {
				fclose($pipes[0]);
				unset($pipes[0]);
			}
		}
		foreach ([1, 2] as $i) {
			if (!isset($pipes[$i]) || !in_array($pipes[$i], $r, true))
				continue;
			$chunk = fread($pipes[$i], 65536);
			if ($chunk === '' || $chunk === false) {
				if (feof($pipes[$i])) {
					fclose($pipes[$i]);
					unset($pipes[$i]);
				}
				continue;
			}
			$out[$i] .= $chunk;
		}
	}
	if (isset($pipes[0]))
		fclose($pipes[0]);
	$status = proc_close($proc);
	return [$status, $out[1], $out[2]];
}
