#ifndef WAMP_PUSH_CZEROMQ_SHIM_H
#define WAMP_PUSH_CZEROMQ_SHIM_H
// libzmq (Debian libzmq3-dev) for the EspoCRM ZeroMQ ingress: only the C API, no ZMTP by hand.
#include <zmq.h>
#endif
