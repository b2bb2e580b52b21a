/* libFuzzer target: limber_parse_tcx on arbitrary bytes (run by run-fuzzers.sh). */
#include <stddef.h>
#include <stdint.h>

#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct limber_import imp;
        char why[256];

        (void) limber_parse_tcx((const char *) data, size, &imp, why, sizeof why);
        return 0;
}
