<?php
// A ZeroMQ sender that hands messages over the way EspoCRM's sender does: a context, a PUSH
// socket with a persistent id, connect to the DSN, send single-frame messages, linger 1,000 ms.
//
//   php send.php DSN TEMPLATE [COUNT [INTERVAL_US]]
//
// Sends COUNT (default 1) messages, each TEMPLATE with every "{seq}" replaced by 0, 1, 2, ...
// All of them go over one connection, so they stay in order (for one message this is EspoCRM's
// exact sequence: connect, send, linger, disconnect); INTERVAL_US pauses between sends.
// Exit 0 once every message is queued and the linger has let it leave; 2 on bad arguments.

if ($argc < 3 || !extension_loaded('zmq')) {
    fwrite(STDERR, "usage: php send.php DSN TEMPLATE [COUNT [INTERVAL_US]] (needs the php-zmq extension)\n");
    exit(2);
}
$dsn = $argv[1];
$template = $argv[2];
$count = isset($argv[3]) ? (int) $argv[3] : 1;
$intervalUs = isset($argv[4]) ? (int) $argv[4] : 0;

$context = new ZMQContext();
$socket = $context->getSocket(ZMQ::SOCKET_PUSH, 'wamp-push test sender');
// Never drop on a full queue: block instead, so a burst arrives complete.
$socket->setSockOpt(ZMQ::SOCKOPT_SNDHWM, 100000);
$socket->connect($dsn);
for ($i = 0; $i < $count; $i++) {
    $socket->send(str_replace('{seq}', (string) $i, $template));
    if ($intervalUs > 0) {
        usleep($intervalUs);
    }
}
$socket->setSockOpt(ZMQ::SOCKOPT_LINGER, 1000);
$socket->disconnect($dsn);
