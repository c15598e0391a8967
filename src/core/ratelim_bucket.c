/* SPDX-License-Identifier: MIT */
/* Token bucket configurations and bucket arithmetic (ratelim-internal.h). */
#include <stdint.h>
#include <uv.h>

#include "mm-internal.h"
#include "ratelim-internal.h"

/* The microseconds of a tick length given as a common timeout
 * (event_base_init_common_timeout) are its low 20 bits, as in libevent. */
#define TICK_USEC_MASK 0x000fffff

struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(size_t read_rate, size_t read_burst,
                                                    size_t write_rate, size_t write_burst,
                                                    const struct timeval *tick_len) {
  struct ev_token_bucket_cfg *cfg;
  struct timeval one_second = {1, 0};
  uint64_t ms;
  if (!tick_len) tick_len = &one_second;
  if (read_rate < 1 || write_rate < 1 || read_rate > read_burst || write_rate > write_burst)
    return NULL;
  if (read_burst > (size_t)EV_RATE_LIMIT_MAX || write_burst > (size_t)EV_RATE_LIMIT_MAX)
    return NULL;
  if (tick_len->tv_sec < 0) return NULL;
  ms = (uint64_t)tick_len->tv_sec * 1000u +
       ((unsigned long)tick_len->tv_usec & TICK_USEC_MASK) / 1000u;
  /* libevent divides by a zero tick later; uvbev refuses it here */
  if (ms == 0 || ms > UINT32_MAX) return NULL;
  cfg = uvbev_calloc_(1, sizeof(*cfg));
  if (!cfg) return NULL;
  cfg->read_rate = read_rate;
  cfg->read_maximum = read_burst;
  cfg->write_rate = write_rate;
  cfg->write_maximum = write_burst;
  cfg->tick_timeout.tv_sec = (long)(ms / 1000u);
  cfg->tick_timeout.tv_usec = (long)(ms % 1000u) * 1000;
  cfg->msec_per_tick = (unsigned)ms;
  return cfg;
}

void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg) {
  uvbev_free_(cfg);
}

uint32_t bev_bucket_tick_(const struct ev_token_bucket_cfg *cfg) {
  return (uint32_t)(uv_hrtime() / 1000000u / cfg->msec_per_tick);
}

void bev_bucket_init_(struct bev_bucket *b, const struct ev_token_bucket_cfg *cfg, int reinit) {
  if (reinit) {
    /* what was used this tick stays used; the next refill counts from the
     * last one */
    if (b->read_limit > (ev_ssize_t)cfg->read_maximum) b->read_limit = (ev_ssize_t)cfg->read_maximum;
    if (b->write_limit > (ev_ssize_t)cfg->write_maximum)
      b->write_limit = (ev_ssize_t)cfg->write_maximum;
    return;
  }
  b->read_limit = (ev_ssize_t)cfg->read_rate;
  b->write_limit = (ev_ssize_t)cfg->write_rate;
  b->last_tick = bev_bucket_tick_(cfg);
}

/* level + ticks * rate, capped at maximum, without overflow. */
static ev_ssize_t refilled(ev_ssize_t level, uint32_t ticks, size_t rate, size_t maximum) {
  if (level >= (ev_ssize_t)maximum) return level; /* a burst lowered meanwhile */
  if ((uint64_t)((ev_ssize_t)maximum - level) / ticks < rate) return (ev_ssize_t)maximum;
  return level + (ev_ssize_t)(ticks * (uint64_t)rate);
}

void bev_bucket_refill_(struct bev_bucket *b, const struct ev_token_bucket_cfg *cfg) {
  uint32_t now = bev_bucket_tick_(cfg);
  uint32_t ticks = now - b->last_tick; /* wraps like the tick itself */
  if (ticks == 0 || ticks > INT32_MAX) return; /* no tick yet, or the clock went back */
  b->read_limit = refilled(b->read_limit, ticks, cfg->read_rate, cfg->read_maximum);
  b->write_limit = refilled(b->write_limit, ticks, cfg->write_rate, cfg->write_maximum);
  b->last_tick = now;
}

ev_ssize_t bev_level_sub_(ev_ssize_t level, ev_ssize_t n) {
  if (n > 0 && level < -EV_SSIZE_MAX + n) return -EV_SSIZE_MAX;
  if (n < 0 && level > EV_SSIZE_MAX + n) return EV_SSIZE_MAX;
  return level - n;
}
