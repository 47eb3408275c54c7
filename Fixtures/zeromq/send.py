"""A ZeroMQ PUSH sender through pyzmq (Debian python3-zmq), the second kind of peer in the tests.

    python3 send.py DSN TEMPLATE [COUNT [--multipart]]

Sends COUNT (default 1) messages on one connection, each TEMPLATE with "{seq}" replaced by
0, 1, 2, ...; --multipart sends each as two frames (which the ingress refuses). Lingers 1 s.
"""
import sys

import zmq


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: python3 send.py DSN TEMPLATE [COUNT [--multipart]]\n")
        return 2
    dsn, template = argv[1], argv[2]
    count = int(argv[3]) if len(argv) > 3 else 1
    multipart = "--multipart" in argv[4:]
    context = zmq.Context()
    socket = context.socket(zmq.PUSH)
    socket.setsockopt(zmq.SNDHWM, 100000)
    socket.setsockopt(zmq.LINGER, 1000)
    socket.connect(dsn)
    for i in range(count):
        body = template.replace("{seq}", str(i)).encode()
        if multipart:
            socket.send_multipart([body, b"second frame"])
        else:
            socket.send(body)
    socket.close()
    context.term()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
