#define _GNU_SOURCE
#include "local_process.h"
#include <spawn.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

int rw_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int rw_spawn_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int rw_spawn_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

int rw_pipe_cloexec(int ends[2]) {
    return pipe2(ends, O_CLOEXEC);
}

int rw_peek_exit(pid_t pid, int *code, int *signal) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) return -1;
    if (info.si_pid == 0) return 0;
    if (info.si_code == CLD_EXITED) {
        *code = info.si_status;
        *signal = 0;
    } else {
        *code = -1;
        *signal = info.si_status;
    }
    return 1;
}
