#define _GNU_SOURCE
#include "CTestSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process. Test code runs on
// Dispatch worker threads, which exit when idle, so every fork happens on one thread that lives as long as the
// process: the signal then means what it should, "the test process is gone".

struct spawn_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    int stdout_fd;
    int stderr_fd;
    pid_t pid;
    int error;
    int done;
};

static pthread_mutex_t one_request_at_a_time = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct spawn_request *pending;
static pthread_once_t spawner_once = PTHREAD_ONCE_INIT;
static int spawner_error;

// Between fork and exec only async-signal-safe calls: the test process has many threads, and any of them may
// have held a lock at the moment of the fork.
static void become_child(const struct spawn_request *request, pid_t parent, int null_fd, int report_fd) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    struct sigaction default_action = {.sa_handler = SIG_DFL};
    for (int signal_number = 1; signal_number < NSIG; signal_number++) sigaction(signal_number, &default_action, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    // Every descriptor here is 3 or above (0-2 are the test process's own), so setting 0-2 clobbers none of
    // them. Then everything but the report pipe, which closes itself on exec, is closed.
    if (dup2(null_fd, 0) < 0 || dup2(request->stdout_fd, 1) < 0 || dup2(request->stderr_fd, 2) < 0) _exit(127);
    close_range(3, (unsigned)report_fd - 1, 0);
    close_range((unsigned)report_fd + 1, ~0U, 0);
    execve(request->path, request->argv, request->envp);
    int error = errno;
    (void)!write(report_fd, &error, sizeof error);
    _exit(127);
}

static void fork_and_exec(struct spawn_request *request) {
    int report[2];
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || pipe2(report, O_CLOEXEC) != 0) {
        request->error = errno;
        if (null_fd >= 0) close(null_fd);
        return;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) become_child(request, parent, null_fd, report[1]);
    int fork_error = errno;
    close(report[1]);
    close(null_fd);
    if (pid < 0) {
        request->error = fork_error;
        close(report[0]);
        return;
    }
    // End of file on the report pipe: the exec succeeded and closed it. Otherwise the child sent errno.
    int exec_error = 0;
    ssize_t count;
    do count = read(report[0], &exec_error, sizeof exec_error);
    while (count < 0 && errno == EINTR);
    close(report[0]);
    if (count > 0) {
        waitpid(pid, NULL, 0);
        request->error = exec_error;
        return;
    }
    request->pid = pid;
}

static void *spawner(void *unused) {
    (void)unused;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (pending == NULL || pending->done) pthread_cond_wait(&changed, &lock);
        struct spawn_request *request = pending;
        pthread_mutex_unlock(&lock);
        fork_and_exec(request);
        pthread_mutex_lock(&lock);
        request->done = 1;
        pthread_cond_broadcast(&changed);
    }
    return NULL;
}

static void start_spawner(void) {
    pthread_t thread;
    spawner_error = pthread_create(&thread, NULL, spawner, NULL);
    if (spawner_error == 0) pthread_detach(thread);
}

pid_t ctestspawn_spawn(const char *path, char *const argv[], char *const envp[], int stdout_fd, int stderr_fd) {
    pthread_once(&spawner_once, start_spawner);
    if (spawner_error != 0) return -spawner_error;
    struct spawn_request request = {
        .path = path, .argv = argv, .envp = envp, .stdout_fd = stdout_fd, .stderr_fd = stderr_fd, .pid = -1};
    pthread_mutex_lock(&one_request_at_a_time);
    pthread_mutex_lock(&lock);
    pending = &request;
    pthread_cond_broadcast(&changed);
    while (!request.done) pthread_cond_wait(&changed, &lock);
    pending = NULL;
    pthread_mutex_unlock(&lock);
    pthread_mutex_unlock(&one_request_at_a_time);
    return request.pid > 0 ? request.pid : -request.error;
}

int ctestspawn_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int ctestspawn_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
