<?php
// A stand-in for EspoCRM's command.php with the two commands wamp-push runs, answered from
// data/fixture-users.json:
//   php command.php AuthTokenCheck TOKEN
//       prints the user id owning TOKEN; prints nothing for an unknown token (exit 0 either way)
//   php command.php AclCheck --userId=U --scope=S --id=I --action=read|stream
//       prints "true" (no newline) when U may do that, nothing otherwise
// With ESPO_FIXTURE_CALL_LOG set, each call is appended to that file (tests read it back).

$data = json_decode(file_get_contents(__DIR__ . '/data/fixture-users.json'), true);
$args = array_slice($argv, 1);
$log = getenv('ESPO_FIXTURE_CALL_LOG');
if ($log) {
    file_put_contents($log, implode(' ', $args) . "\n", FILE_APPEND | LOCK_EX);
}

switch ($args[0] ?? '') {
    case 'AuthTokenCheck':
        echo $data['tokens'][$args[1] ?? ''] ?? '';
        exit(0);
    case 'AclCheck':
        $options = [];
        foreach (array_slice($args, 1) as $arg) {
            if (preg_match('/^--([A-Za-z]+)=(.*)$/s', $arg, $m)) {
                $options[$m[1]] = $m[2];
            }
        }
        $allowed = $data['acl'][$options['userId'] ?? ''][$options['scope'] ?? ''][$options['id'] ?? ''] ?? [];
        if (in_array($options['action'] ?? 'read', $allowed, true)) {
            echo 'true';
        }
        exit(0);
    default:
        fwrite(STDERR, "usage: php command.php AuthTokenCheck TOKEN | AclCheck --userId= --scope= --id= --action=\n");
        exit(1);
}
