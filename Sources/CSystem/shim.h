#ifndef WAMP_PUSH_CSYSTEM_SHIM_H
#define WAMP_PUSH_CSYSTEM_SHIM_H
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
// glibc declares accept4 only under _GNU_SOURCE, which the Glibc module is built without;
// the symbol is always there, so declare it for Swift.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
#include <stdio.h>
// malloc_usable_size: the idle-memory test reads how much heap each connection object holds.
#include <malloc.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
// Bytes written to a TCP socket that the peer has not acknowledged yet (SIOCOUTQ); -1 on error.
static inline int wp_unsent_bytes(int fd) { int n = 0; return ioctl(fd, SIOCOUTQ, &n) == 0 ? n : -1; }
// Line-buffered stdout even when piped, so printed URLs and tokens appear at once.
static inline void wp_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }
#include <malloc.h>
// Returns the free pages of every malloc arena to the system (see MemoryTrimmer).
static inline void wp_malloc_trim(void) { malloc_trim(0); }
#endif
