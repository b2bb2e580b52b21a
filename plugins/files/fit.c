/* The FIT decoder: one activity (start, elapsed time, distance, sport) out of a Garmin
 * FIT file. Pure and allocation-free: it walks the bytes once, keeps one definition per
 * local message type, and reads only the few fields limber uses.
 *
 * What it takes, in order of preference:
 *   - session messages (18): the first one's start_time and sport; the sum of every
 *     session's elapsed time and distance (a multisport file has one session per leg).
 *     A session without total_elapsed_time counts timestamp - start_time, else its
 *     total_timer_time.
 *   - record messages (20), for whatever the sessions leave out: start = the first
 *     record's time, duration = latest record time - start, distance = the last
 *     record's distance field, else the great-circle length of the positions.
 * Timestamps count seconds from 1989-12-31T00:00:00Z; a compressed timestamp header's
 * 5 bits are the time's low bits, rolling over past the last timestamp seen, as the
 * FIT protocol has it. Fields are read by their base type and size in the byte order
 * their definition declares; FIT's invalid values (0xFF..., 0x7F... for signed types,
 * 0 for the "z" types) count as absent. Only the first FIT file of a chained file is
 * read.
 *
 * It refuses what it cannot trust rather than guess: a header or data size that does
 * not fit the bytes, a CRC mismatch, a record running past the data, a data message of
 * a local type never defined, a compressed timestamp with no full one before it, and
 * a file with no date in it. Every length is checked before the bytes are read, and
 * the work per byte is bounded: a data message costs the same whatever its definition
 * holds, as the fields read are located once, when the definition comes. */
#include "import.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define FIT_MAX_FILE            (64u * 1024 * 1024)
#define FIT_EPOCH_UNIX          UINT64_C(631065600)     /* 1989-12-31T00:00:00Z */
#define FIT_MIN_DATE            UINT32_C(0x10000000)    /* below: seconds since power-on */
#define FIT_SEMICIRCLE_DEG      (180.0 / 2147483648.0)
#define EARTH_RADIUS_M          6371008.8               /* IUGG mean, as the GPX and TCX parsers */
#define DEG_TO_RAD              (3.14159265358979323846 / 180.0)

#define MESG_SPORT              12
#define MESG_SESSION            18
#define MESG_RECORD             20
#define FIELD_TIMESTAMP         253

/* The fields read, one slot each; which global message and field number fill a slot
 * is slot_of()'s business. */
enum {
        SLOT_TIMESTAMP,
        SLOT_START,
        SLOT_SPORT,
        SLOT_ELAPSED,
        SLOT_TIMER,
        SLOT_DISTANCE,
        SLOT_LAT,
        SLOT_LONG,
        N_SLOTS,
};

struct fit_field {
        uint16_t offset;        /* in the data message, after its header byte */
        uint8_t base;           /* base type number, endian bit stripped; 0xFF: absent */
};

struct fit_def {
        bool defined;
        bool big_endian;
        uint16_t global;
        uint32_t size;          /* data bytes: fields and developer fields */
        struct fit_field slot[N_SLOTS];
};

/* A value, or none when the field is absent, of a type read here, or FIT's invalid. */
struct fit_value {
        bool valid;
        int64_t v;
};

struct fit_state {
        struct fit_def defs[16];
        bool have_last_ts;
        uint32_t last_ts;               /* for compressed timestamps */

        unsigned n_sessions;
        bool have_session_start;
        uint32_t session_start;
        bool have_sport;
        uint8_t sport;
        bool have_session_duration;
        uint64_t session_ms;            /* saturating */
        bool have_session_distance;
        uint64_t session_cm;            /* saturating */

        bool have_record_ts;
        uint32_t record_first_ts, record_max_ts;
        bool have_record_distance;
        uint32_t record_cm;
        bool have_position;
        double last_lat, last_lon;      /* radians */
        double track_m;
};

/* FIT's sport numbers, by the profile's names, which limber_import_kind() maps to kinds:
 * the ones limber tells apart, and generic. */
static const struct {
        uint8_t sport;
        const char *name;
} sports[] = {
        { 0,  "generic" },
        { 1,  "running" },
        { 2,  "cycling" },
        { 5,  "swimming" },
        { 11, "walking" },
        { 17, "hiking" },
};

static int refuse(char *why, size_t why_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t why_size, const char *fmt, ...) {
        if (why && why_size > 0) {
                va_list ap;

                va_start(ap, fmt);
                vsnprintf(why, why_size, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static uint16_t fit_crc(uint16_t crc, const uint8_t *p, size_t n) {
        static const uint16_t table[16] = {
                0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
                0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
        };

        for (size_t i = 0; i < n; i++) {
                uint16_t t = table[crc & 0xF];
                crc = (uint16_t) (((crc >> 4) & 0x0FFF) ^ t ^ table[p[i] & 0xF]);
                t = table[crc & 0xF];
                crc = (uint16_t) (((crc >> 4) & 0x0FFF) ^ t ^ table[(p[i] >> 4) & 0xF]);
        }
        return crc;
}

static uint16_t get_u16le(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t get_u32le(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint32_t get_uint(const uint8_t *p, unsigned size, bool big_endian) {
        uint32_t v = 0;

        for (unsigned i = 0; i < size; i++)
                v |= (uint32_t) p[big_endian ? size - 1 - i : i] << (8 * i);
        return v;
}

static int slot_of(uint16_t global, uint8_t field) {
        if (field == FIELD_TIMESTAMP)
                return SLOT_TIMESTAMP;
        switch (global) {
        case MESG_SESSION:
                switch (field) {
                case 2: return SLOT_START;
                case 5: return SLOT_SPORT;
                case 7: return SLOT_ELAPSED;
                case 8: return SLOT_TIMER;
                case 9: return SLOT_DISTANCE;
                }
                break;
        case MESG_RECORD:
                switch (field) {
                case 0: return SLOT_LAT;
                case 1: return SLOT_LONG;
                case 5: return SLOT_DISTANCE;
                }
                break;
        case MESG_SPORT:
                if (field == 0)
                        return SLOT_SPORT;
                break;
        }
        return -1;
}

/* The integer base types by number: size and signedness; FIT's invalid value is all ones
 * for unsigned types, the largest value for signed ones, and 0 for the "z" types. */
static const struct {
        uint8_t size;
        bool is_signed;
        bool zero_invalid;
} base_types[] = {
        [0x00] = { 1, false, false },   /* enum */
        [0x01] = { 1, true,  false },   /* sint8 */
        [0x02] = { 1, false, false },   /* uint8 */
        [0x03] = { 2, true,  false },   /* sint16 */
        [0x04] = { 2, false, false },   /* uint16 */
        [0x05] = { 4, true,  false },   /* sint32 */
        [0x06] = { 4, false, false },   /* uint32 */
        [0x0A] = { 1, false, true },    /* uint8z */
        [0x0B] = { 2, false, true },    /* uint16z */
        [0x0C] = { 4, false, true },    /* uint32z */
        [0x0D] = { 1, false, false },   /* byte */
};

static bool base_type_fits(uint8_t base, uint8_t size) {
        return base < sizeof base_types / sizeof base_types[0] &&
               base_types[base].size != 0 && base_types[base].size == size;
}

static struct fit_value field_value(const struct fit_def *d, const uint8_t *msg, int slot) {
        const struct fit_field *f = &d->slot[slot];
        struct fit_value r = { false, 0 };

        if (f->base == 0xFF)
                return r;
        unsigned size = base_types[f->base].size;
        uint32_t u = get_uint(msg + f->offset, size, d->big_endian);
        uint32_t all_ones = size == 4 ? UINT32_MAX : (UINT32_C(1) << (8 * size)) - 1;

        if (base_types[f->base].zero_invalid) {
                if (u == 0)
                        return r;
                r.v = u;
        } else if (base_types[f->base].is_signed) {
                uint32_t max = all_ones >> 1;
                if (u == max)
                        return r;
                /* sign-extend */
                r.v = (u & (max + 1)) ? (int64_t) u - (int64_t) all_ones - 1 : (int64_t) u;
        } else {
                if (u == all_ones)
                        return r;
                r.v = u;
        }
        r.valid = true;
        return r;
}

static bool value_u32(struct fit_value v, uint32_t *ret) {
        if (!v.valid || v.v < 0 || v.v > UINT32_MAX)
                return false;
        *ret = (uint32_t) v.v;
        return true;
}

static uint64_t add_saturating(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void take_session(struct fit_state *s, const struct fit_def *d, const uint8_t *msg, bool have_ts, uint32_t ts) {
        uint32_t start = 0, elapsed, timer, cm, sport;
        bool have_start = value_u32(field_value(d, msg, SLOT_START), &start) && start >= FIT_MIN_DATE;

        if (s->n_sessions++ == 0) {
                s->have_session_start = have_start;
                s->session_start = start;
                if (value_u32(field_value(d, msg, SLOT_SPORT), &sport) && sport <= UINT8_MAX) {
                        s->have_sport = true;
                        s->sport = (uint8_t) sport;
                }
        }

        uint64_t ms;
        if (value_u32(field_value(d, msg, SLOT_ELAPSED), &elapsed))
                ms = elapsed;
        else if (have_start && have_ts && ts >= start)
                ms = (uint64_t) (ts - start) * 1000;
        else if (value_u32(field_value(d, msg, SLOT_TIMER), &timer))
                ms = timer;
        else
                ms = UINT64_MAX;
        if (ms != UINT64_MAX) {
                s->have_session_duration = true;
                s->session_ms = add_saturating(s->session_ms, ms);
        }

        if (value_u32(field_value(d, msg, SLOT_DISTANCE), &cm)) {
                s->have_session_distance = true;
                s->session_cm = add_saturating(s->session_cm, cm);
        }
}

static double haversine_m(double lat1, double lon1, double lat2, double lon2) {
        double a = sin((lat2 - lat1) / 2), b = sin((lon2 - lon1) / 2);
        double h = a * a + cos(lat1) * cos(lat2) * b * b;

        return 2 * EARTH_RADIUS_M * asin(sqrt(h < 1 ? h : 1));
}

static void take_record(struct fit_state *s, const struct fit_def *d, const uint8_t *msg, bool have_ts, uint32_t ts) {
        struct fit_value lat = field_value(d, msg, SLOT_LAT), lon = field_value(d, msg, SLOT_LONG);
        uint32_t cm;

        if (have_ts) {
                if (!s->have_record_ts) {
                        s->have_record_ts = true;
                        s->record_first_ts = s->record_max_ts = ts;
                } else if (ts > s->record_max_ts)
                        s->record_max_ts = ts;
        }

        if (value_u32(field_value(d, msg, SLOT_DISTANCE), &cm)) {
                s->have_record_distance = true;
                s->record_cm = cm;
        }

        /* semicircles: 2^31 is 180 degrees; beyond +-90 latitude is no place on Earth */
        if (lat.valid && lon.valid && lat.v >= -(INT64_C(1) << 30) && lat.v <= INT64_C(1) << 30) {
                double rlat = (double) lat.v * FIT_SEMICIRCLE_DEG * DEG_TO_RAD;
                double rlon = (double) lon.v * FIT_SEMICIRCLE_DEG * DEG_TO_RAD;

                if (s->have_position)
                        s->track_m += haversine_m(s->last_lat, s->last_lon, rlat, rlon);
                s->have_position = true;
                s->last_lat = rlat;
                s->last_lon = rlon;
        }
}

/* A definition message at p (its header byte at offset pos), within [p, end). Returns
 * its length or a refusal. */
static int read_definition(struct fit_state *s, const uint8_t *p, size_t pos, size_t avail,
                           char *why, size_t why_size) {
        uint8_t header = p[0];
        struct fit_def *d = &s->defs[header & 0x0F];

        if (avail < 6)
                return refuse(why, why_size, "definition at byte %zu runs past the end of the data", pos);
        if (p[2] > 1)
                return refuse(why, why_size, "definition at byte %zu has unknown architecture %u", pos, p[2]);

        *d = (struct fit_def) { .defined = true, .big_endian = p[2] == 1 };
        d->global = (uint16_t) get_uint(p + 3, 2, d->big_endian);
        for (int i = 0; i < N_SLOTS; i++)
                d->slot[i].base = 0xFF;

        size_t n_fields = p[5], len = 6 + 3 * n_fields;
        if (avail < len)
                return refuse(why, why_size, "definition at byte %zu runs past the end of the data", pos);
        for (size_t i = 0; i < n_fields; i++) {
                const uint8_t *f = p + 6 + 3 * i;
                uint8_t base = f[2] & 0x1F;
                int slot = slot_of(d->global, f[0]);

                if (slot >= 0 && base_type_fits(base, f[1]))
                        d->slot[slot] = (struct fit_field) { .offset = (uint16_t) d->size, .base = base };
                d->size += f[1];
        }

        if (header & 0x20) {
                if (avail < len + 1)
                        return refuse(why, why_size, "definition at byte %zu runs past the end of the data", pos);
                size_t n_dev = p[len];
                len += 1 + 3 * n_dev;
                if (avail < len)
                        return refuse(why, why_size, "definition at byte %zu runs past the end of the data", pos);
                for (size_t i = 0; i < n_dev; i++)
                        d->size += p[len - 3 * n_dev + 3 * i + 1];
        }
        return (int) len;
}

int limber_parse_fit(const uint8_t *data, size_t size, struct limber_import *ret, char *why, size_t why_size) {
        struct fit_state s = { 0 };

        if (size > FIT_MAX_FILE)
                return refuse(why, why_size, "file too large (%zu bytes, the limit is 64 MiB)", size);
        if (size < 12)
                return refuse(why, why_size, "too short for a FIT header (%zu bytes)", size);
        if (memcmp(data + 8, ".FIT", 4) != 0)
                return refuse(why, why_size, "not a FIT file (no \".FIT\" signature)");

        size_t header_size = data[0];
        if (header_size != 12 && header_size != 14)
                return refuse(why, why_size, "header size %zu (expected 12 or 14)", header_size);
        if (size < header_size)
                return refuse(why, why_size, "too short for its %zu-byte header (%zu bytes)", header_size, size);
        if (data[1] >> 4 > 2)
                return refuse(why, why_size, "unsupported protocol version %u.%u", data[1] >> 4, data[1] & 0x0F);
        if (header_size == 14 && get_u16le(data + 12) != 0 && get_u16le(data + 12) != fit_crc(0, data, 12))
                return refuse(why, why_size, "header CRC mismatch (the file says 0x%04x, its bytes give 0x%04x)",
                              get_u16le(data + 12), fit_crc(0, data, 12));

        uint32_t data_size = get_u32le(data + 4);
        if ((uint64_t) header_size + data_size + 2 > size)
                return refuse(why, why_size, "data size %" PRIu32 " beyond the file's %zu bytes", data_size, size);

        size_t end = header_size + data_size;
        uint16_t crc = fit_crc(0, data, end);
        if (crc != get_u16le(data + end))
                return refuse(why, why_size, "CRC mismatch (the file says 0x%04x, its bytes give 0x%04x)",
                              get_u16le(data + end), crc);

        for (size_t pos = header_size; pos < end;) {
                const uint8_t *p = data + pos;
                uint8_t header = p[0];

                if (!(header & 0x80) && (header & 0x40)) {
                        int r = read_definition(&s, p, pos, end - pos, why, why_size);
                        if (r < 0)
                                return r;
                        pos += (size_t) r;
                        continue;
                }

                bool compressed = header & 0x80;
                unsigned local = compressed ? (header >> 5) & 0x03 : header & 0x0F;
                const struct fit_def *d = &s.defs[local];
                bool have_ts = false;
                uint32_t ts = 0;

                if (!d->defined)
                        return refuse(why, why_size, "data message of undefined local type %u at byte %zu", local, pos);
                if (end - pos - 1 < d->size)
                        return refuse(why, why_size, "data message at byte %zu needs %" PRIu32 " bytes, the data ends at byte %zu",
                                      pos, d->size + 1, end);
                if (compressed) {
                        uint32_t offset = header & 0x1F;

                        if (!s.have_last_ts)
                                return refuse(why, why_size, "compressed timestamp at byte %zu before any full timestamp", pos);
                        /* the offset is the low 5 bits of the time; a smaller one has rolled over */
                        ts = (s.last_ts & ~UINT32_C(0x1F)) + offset;
                        if (offset < (s.last_ts & 0x1F))
                                ts += 0x20;
                        have_ts = true;
                }
                if (value_u32(field_value(d, p + 1, SLOT_TIMESTAMP), &ts))
                        have_ts = true;
                if (have_ts) {
                        s.have_last_ts = true;
                        s.last_ts = ts;
                }

                if (d->global == MESG_SESSION)
                        take_session(&s, d, p + 1, have_ts, ts);
                else if (d->global == MESG_RECORD)
                        take_record(&s, d, p + 1, have_ts, ts);
                else if (d->global == MESG_SPORT && !s.have_sport) {
                        uint32_t sport;
                        if (value_u32(field_value(d, p + 1, SLOT_SPORT), &sport) && sport <= UINT8_MAX) {
                                s.have_sport = true;
                                s.sport = (uint8_t) sport;
                        }
                }
                pos += 1 + (size_t) d->size;
        }

        struct limber_import r = { .kind = "other" };
        uint32_t start;

        if (s.have_session_start)
                start = s.session_start;
        else if (s.have_record_ts)
                start = s.record_first_ts;
        else
                return refuse(why, why_size, "no timestamps: no session start_time and no record with a time");
        if (start < FIT_MIN_DATE)
                return refuse(why, why_size, "timestamps count seconds since the device was switched on (%" PRIu32 "), not dates", start);
        r.start_usec = (FIT_EPOCH_UNIX + start) * UINT64_C(1000000);

        if (s.have_session_duration)
                r.duration_usec = s.session_ms > UINT64_MAX / 1000 ? UINT64_MAX : s.session_ms * 1000;
        else if (s.have_record_ts && s.record_max_ts > start)
                r.duration_usec = (uint64_t) (s.record_max_ts - start) * 1000000;

        if (s.have_session_distance)
                r.distance_m = (double) s.session_cm / 100.0;
        else if (s.have_record_distance)
                r.distance_m = (double) s.record_cm / 100.0;
        else
                r.distance_m = s.track_m;

        if (s.have_sport) {
                snprintf(r.sport, sizeof r.sport, "sport %u", s.sport);
                for (size_t i = 0; i < sizeof sports / sizeof sports[0]; i++)
                        if (sports[i].sport == s.sport) {
                                snprintf(r.sport, sizeof r.sport, "%s", sports[i].name);
                                snprintf(r.kind, sizeof r.kind, "%s", limber_import_kind(sports[i].name));
                                break;
                        }
        }

        *ret = r;
        return 0;
}
