#ifndef CTESTSPAWN_H
#define CTESTSPAWN_H

#include <sys/types.h>

// Starts `path` with `argv` and `envp` (both NULL-terminated) for a test. The child gets /dev/null as standard
// input, `stdout_fd` and `stderr_fd` as standard output and error, and no other descriptor of the test process.
// It is killed (SIGKILL) when the test process ends, however it ends. Returns the child's pid, or the negated
// errno of what failed (the exec itself included).
pid_t ctestspawn_spawn(const char *path, char *const argv[], char *const envp[], int stdout_fd, int stderr_fd);

// A descriptor that becomes readable when the child `pid` exits (pidfd_open), or -1 with errno set.
int ctestspawn_pidfd_open(pid_t pid);

// A pipe whose two ends close on exec (pipe2 with O_CLOEXEC, which Swift's Glibc module does not import).
int ctestspawn_pipe(int fds[2]);

#endif
