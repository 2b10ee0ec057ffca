#ifndef ROLLWATCH_LOCAL_PROCESS_H
#define ROLLWATCH_LOCAL_PROCESS_H

#include <spawn.h>
#include <sys/types.h>

/// A file descriptor that becomes readable when process `pid` ends (Linux's pidfd_open), or -1 with errno set.
/// Swift cannot call the variadic syscall(2) itself.
int rw_pidfd_open(pid_t pid);

/// Makes the spawned process start in `path` (glibc's posix_spawn_file_actions_addchdir_np, which Swift's Glibc
/// module does not show).
int rw_spawn_chdir(posix_spawn_file_actions_t *actions, const char *path);

/// Closes every descriptor from `from` up in the spawned process (glibc's posix_spawn_file_actions_addclosefrom_np).
int rw_spawn_closefrom(posix_spawn_file_actions_t *actions, int from);

/// A pipe whose ends close when the process runs another program (pipe2 with O_CLOEXEC); 0 or -1 with errno.
int rw_pipe_cloexec(int ends[2]);

/// Looks at a child's end without reaping it (waitid with WNOWAIT), so that its pid and process group stay
/// reserved until the caller reaps it: 1 when `pid` has ended (its exit code in *code, or -1 and the signal in
/// *signal), 0 when it runs, -1 with errno when it cannot be waited for.
int rw_peek_exit(pid_t pid, int *code, int *signal);

#endif
