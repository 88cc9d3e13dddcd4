#ifndef CSYSTEM_H
#define CSYSTEM_H

#include <stddef.h>
#include <stdint.h>

// Thin wrappers over Linux calls that Swift's Glibc module does not import.
// struct epoll_event is packed on x86_64, so events are unpacked into plain arrays here.

#define CSYSTEM_EVENT_READ 0x1u
#define CSYSTEM_EVENT_WRITE 0x4u
#define CSYSTEM_EVENT_ERROR 0x8u
#define CSYSTEM_EVENT_HANGUP 0x10u
/// The peer shut down its sending side. As interest, alone, it watches for that without reading; it is also
/// delivered, with READ, whenever it happens on a descriptor watched for reading.
#define CSYSTEM_EVENT_PEER_CLOSED 0x20u

int csystem_epoll_create(void);
/// Adds `fd` watching `events` (CSYSTEM_EVENT_READ and/or WRITE). `exclusive` avoids waking every loop for one accept.
int csystem_epoll_add(int epfd, int fd, uint32_t events, int exclusive);
int csystem_epoll_modify(int epfd, int fd, uint32_t events);
int csystem_epoll_remove(int epfd, int fd);
/// Waits at most `timeout_ms`; fills `fds` and `events` with up to `capacity` ready descriptors.
int csystem_epoll_wait(int epfd, int32_t *fds, uint32_t *events, int capacity, int timeout_ms);

/// A non-blocking eventfd: how another thread wakes an event loop blocked in epoll_wait.
int csystem_wake_create(void);
/// Makes the eventfd readable (a no-op when it already is).
void csystem_wake_signal(int fd);
/// Makes it unreadable again.
void csystem_wake_clear(int fd);

/// Names the calling thread (at most 15 bytes are kept), for `top -H` and debuggers.
void csystem_name_thread(const char *name);

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; the peer's address goes to `peer`, a sockaddr_storage of
/// `peer_size` bytes (no getpeername later).
int csystem_accept(int listen_fd, void *peer, uint32_t peer_size);

/// Offset of `needle` in `haystack`, or -1.
long csystem_find(const uint8_t *haystack, size_t haystack_length, const uint8_t *needle, size_t needle_length);

/// How many CPUs this process may run on (sched_getaffinity: taskset, docker --cpuset-cpus); 0 on failure.
int csystem_affinity_cpu_count(void);

/// Serves every allocation of `threshold` bytes or more from a mapping of its own, unmapped when it is freed.
/// glibc's default threshold rises after the first large block is freed, after which request bodies and long
/// answers come from the heap and stay in the process after an attack ends.
void csystem_malloc_use_mappings_from(size_t threshold);
/// Free heap memory glibc holds in every arena (mallinfo2's fordblks): freed, but not given back.
size_t csystem_malloc_free_bytes(void);
/// Gives free heap memory back to the system (malloc_trim).
void csystem_malloc_trim(void);

#endif
