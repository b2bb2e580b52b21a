/* Preloaded ahead of libfaketime (test-limberctl.py) so that sd-event's timers work
 * under a faked clock.
 *
 * libfaketime 0.9.10 moves every absolute timerfd deadline by the fake offset, on
 * every clock and without a floor: sd-event arms "already due" as 1 ns absolute, which
 * becomes negative, timerfd_settime fails with EINVAL and limberd's loop ends. Here
 * the translation is done per the timer's own clock and kept positive; 1 ns stays
 * 1 ns. Relative timers pass through. */
#include <errno.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 4096

static clockid_t clock_of_fd[MAX_FDS];

int timerfd_create(int clockid, int flags) {
        int fd = (int) syscall(SYS_timerfd_create, clockid, flags);
        if (fd >= 0 && fd < MAX_FDS)
                clock_of_fd[fd] = clockid;
        return fd;
}

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value) {
        struct itimerspec v;

        if (!new_value) {
                errno = EFAULT;
                return -1;
        }
        v = *new_value;
        if ((flags & TFD_TIMER_ABSTIME) && fd >= 0 && fd < MAX_FDS &&
            (v.it_value.tv_sec > 0 || v.it_value.tv_nsec > 1)) {
                struct timespec fake, real;
                clockid_t clock = clock_of_fd[fd];

                /* clock_gettime is libfaketime's; the syscall is the kernel's. */
                if (clock_gettime(clock, &fake) == 0 && syscall(SYS_clock_gettime, clock, &real) == 0) {
                        long long ns = ((long long) v.it_value.tv_sec - fake.tv_sec + real.tv_sec) * 1000000000LL +
                                       v.it_value.tv_nsec - fake.tv_nsec + real.tv_nsec;
                        if (ns < 1)
                                ns = 1;
                        v.it_value.tv_sec = (time_t) (ns / 1000000000LL);
                        v.it_value.tv_nsec = (long) (ns % 1000000000LL);
                }
        }
        return (int) syscall(SYS_timerfd_settime, fd, flags, &v, old_value);
}

int timerfd_gettime(int fd, struct itimerspec *curr_value) {
        return (int) syscall(SYS_timerfd_gettime, fd, curr_value);
}
