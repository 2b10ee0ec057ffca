#ifndef ROLLWATCH_PREFETCH_H
#define ROLLWATCH_PREFETCH_H

/// Asks the processor to start bringing the two cache lines at `address` in, without waiting for them.
static inline void rollwatch_prefetch(const void *address) {
    __builtin_prefetch(address, 1, 3);
    __builtin_prefetch((const char *)address + 64, 1, 3);
}

#endif
