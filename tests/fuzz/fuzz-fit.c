/* libFuzzer target: limber_parse_fit on arbitrary bytes (run by run-fuzzers.sh).
 *
 * Each input is decoded twice: as it is, which exercises the header, size and CRC
 * checks; and with its header's data size and both CRCs made to fit, so that mutations
 * reach the record walk instead of stopping at a CRC mismatch. The copy is exactly as
 * long as the input, so ASan still sees a read past its end. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t crc16(const uint8_t *p, size_t n) {
        static const uint16_t table[16] = {
                0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
                0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
        };
        uint16_t crc = 0;

        for (size_t i = 0; i < n; i++)
                for (unsigned shift = 0; shift <= 4; shift += 4) {
                        uint16_t t = table[crc & 0xF];
                        crc = (uint16_t) (((crc >> 4) & 0x0FFF) ^ t ^ table[(p[i] >> shift) & 0xF]);
                }
        return crc;
}

static void put16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct limber_import imp;
        char why[256];

        (void) limber_parse_fit(data, size, &imp, why, sizeof why);

        size_t header = size > 0 ? data[0] : 0;
        if ((header != 12 && header != 14) || size < header + 2 || size - header - 2 > UINT32_MAX)
                return 0;
        uint8_t *copy = malloc(size);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        uint32_t data_size = (uint32_t) (size - header - 2);
        for (unsigned i = 0; i < 4; i++)
                copy[4 + i] = (uint8_t) (data_size >> (8 * i));
        memcpy(copy + 8, ".FIT", 4);
        if (header == 14)
                put16(copy + 12, crc16(copy, 12));
        put16(copy + size - 2, crc16(copy, size - 2));
        (void) limber_parse_fit(copy, size, &imp, why, sizeof why);
        free(copy);
        return 0;
}
