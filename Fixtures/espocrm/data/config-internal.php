<?php
// A fixture in the shape of EspoCRM's data/config-internal.php, merged over data/config.php.
return [
    'webSocketMessager' => 'ZeroMQ',
    'phpExecutablePath' => '/usr/bin/php',
    'passwordSalt' => 'fixture-salt-never-printed',
    'webSocketPort' => '8082',
];
