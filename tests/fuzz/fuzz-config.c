/* libFuzzer target: limber_config_load on arbitrary bytes as limber.conf (run by
 * run-fuzzers.sh). The input goes into a memfd, read through /proc/self/fd like a file;
 * whatever the loader returns, configuration or errors, is freed, so LeakSanitizer sees
 * its leaks. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int fd = memfd_create("limber.conf", MFD_CLOEXEC);
        if (fd < 0)
                abort();
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, data + done, size - done);
                if (n <= 0)
                        abort();
                done += (size_t) n;
        }

        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        struct limber_config *c = NULL;
        char *errors = NULL;
        (void) limber_config_load(path, true, "/home/fuzz", &c, &errors);
        limber_config_free(c);
        free(errors);
        close(fd);
        return 0;
}
