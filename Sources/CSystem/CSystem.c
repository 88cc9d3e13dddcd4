#define _GNU_SOURCE
#include "CSystem.h"

#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

int csystem_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static uint32_t to_epoll(uint32_t events) {
    uint32_t mask = 0;
    if (events & (CSYSTEM_EVENT_READ | CSYSTEM_EVENT_PEER_CLOSED)) mask |= EPOLLRDHUP;
    if (events & CSYSTEM_EVENT_READ) mask |= EPOLLIN;
    if (events & CSYSTEM_EVENT_WRITE) mask |= EPOLLOUT;
    return mask;
}

int csystem_epoll_add(int epfd, int fd, uint32_t events, int exclusive) {
    // EPOLLEXCLUSIVE refuses EPOLLRDHUP, which only matters for connections anyway.
    uint32_t mask = exclusive ? (to_epoll(events) & ~EPOLLRDHUP) | EPOLLEXCLUSIVE : to_epoll(events);
    struct epoll_event event = {.events = mask, .data = {.fd = fd}};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

int csystem_epoll_modify(int epfd, int fd, uint32_t events) {
    struct epoll_event event = {.events = to_epoll(events), .data = {.fd = fd}};
    return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event);
}

int csystem_epoll_remove(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int csystem_epoll_wait(int epfd, int32_t *fds, uint32_t *events, int capacity, int timeout_ms) {
    struct epoll_event ready[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(epfd, ready, capacity, timeout_ms);
    for (int i = 0; i < count; i++) {
        uint32_t mask = 0;
        // A half-close (RDHUP) is delivered as readable: the next read returns 0.
        if (ready[i].events & (EPOLLIN | EPOLLRDHUP)) mask |= CSYSTEM_EVENT_READ;
        if (ready[i].events & EPOLLRDHUP) mask |= CSYSTEM_EVENT_PEER_CLOSED;
        if (ready[i].events & EPOLLOUT) mask |= CSYSTEM_EVENT_WRITE;
        if (ready[i].events & EPOLLERR) mask |= CSYSTEM_EVENT_ERROR;
        if (ready[i].events & EPOLLHUP) mask |= CSYSTEM_EVENT_HANGUP;
        fds[i] = ready[i].data.fd;
        events[i] = mask;
    }
    return count;
}

int csystem_wake_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

void csystem_wake_signal(int fd) {
    uint64_t one = 1;
    // Fails only when the counter is saturated, and then the fd is readable anyway.
    (void)!write(fd, &one, sizeof one);
}

void csystem_wake_clear(int fd) {
    uint64_t count;
    (void)!read(fd, &count, sizeof count);
}

void csystem_name_thread(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = 0;
    pthread_setname_np(pthread_self(), truncated);
}

int csystem_accept(int listen_fd, void *peer, uint32_t peer_size) {
    socklen_t length = peer_size;
    return accept4(listen_fd, (struct sockaddr *)peer, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

long csystem_find(const uint8_t *haystack, size_t haystack_length, const uint8_t *needle, size_t needle_length) {
    // The needles are a few bytes (CRLF, CRLFCRLF) and the haystacks a header line: memchr for the first byte
    // and a compare costs a fraction of memmem's setup per call, and stays linear for needles this short.
    if (needle_length == 0) return 0;
    const uint8_t *position = haystack;
    const uint8_t *last = haystack + haystack_length;
    while ((size_t)(last - position) >= needle_length) {
        position = memchr(position, needle[0], (size_t)(last - position) - needle_length + 1);
        if (position == NULL) return -1;
        if (memcmp(position, needle, needle_length) == 0) return (long)(position - haystack);
        position++;
    }
    return -1;
}

int csystem_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
}

void csystem_malloc_use_mappings_from(size_t threshold) {
    mallopt(M_MMAP_THRESHOLD, (int)threshold);
}

size_t csystem_malloc_free_bytes(void) { return mallinfo2().fordblks; }

void csystem_malloc_trim(void) { malloc_trim(0); }
