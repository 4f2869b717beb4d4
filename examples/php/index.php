<?php
/*
 * A php-fpm page (as www-data) that hands the posted site configuration to
 * root through the rules action apply-config (examples/peerrelay.rules):
 * no sudo, no setuid helper, no shell. The listener checks the caller is
 * www-data; this page checks the listener is root (--expect-user).
 */

declare(strict_types=1);

require __DIR__ . '/peerrelay_exec.php';
require __DIR__ . '/peerrelay_socket.php';

const ADMIN_SOCKET = '/run/peerrelay/admin.sock';

if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') {
	http_response_code(405);
	exit;
}
$body = file_get_contents('php://input');
/* By a process: send checks who listens before sending anything. */
[$status, $out, $err] = peerrelay_exec(ADMIN_SOCKET, 'apply-config', [],
    $body);
/*
 * Or with no process started, ADMIN_SOCKET being in root's /run/peerrelay:
 * [$status, $out, $err, $id] = peerrelay_socket(ADMIN_SOCKET,
 *     'apply-config', [], $body);
 */
header('Content-Type: text/plain');
if ($status !== 0) {
	http_response_code($status === 77 ? 403 : 502);
	error_log("apply-config: status $status: $err");
	echo "not applied\n";
	exit;
}
echo "applied\n", $out;
