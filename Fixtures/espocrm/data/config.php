<?php
// A fixture in the shape of EspoCRM's data/config.php; the values are ours.
return [
    'useWebSocket' => true,
    'webSocketUrl' => 'ws://crm.example.test/ws',
    'webSocketZeroMQSubscriberDsn' => 'tcp://127.0.0.1:5555',
    'webSocketZeroMQSubmissionDsn' => 'tcp://localhost:5555',
    'webSocketPort' => '8081',
    'siteUrl' => 'http://crm.example.test',
    'database' => ['password' => 'fixture-secret-never-printed'],
];
