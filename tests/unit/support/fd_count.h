/* How many file descriptors this process has open (leak checks). */
#ifndef RW_FD_COUNT_H
#define RW_FD_COUNT_H

/* -1 when /proc/self/fd cannot be read. */
int fd_count(void);

#endif
