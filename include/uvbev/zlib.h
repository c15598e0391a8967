/* SPDX-License-Identifier: MIT */
/** @file
 * uvbev extension: a zlib filter bufferevent (libevent has none).
 *
 * What the user writes is deflated into the underlying bufferevent; what the
 * peer sends is inflated into the filter's input.  It is a filter made with
 * bufferevent_filter_new(), so everything documented there holds: it stacks on
 * a socket, a pair, TLS or another filter, respects the underlying's write
 * high watermark, and inflates no further than the filter's read high
 * watermark (so a decompression bomb cannot grow the input past that mark).
 *
 *   - bufferevent_flush(zbev, EV_WRITE, BEV_FLUSH) ends a Z_SYNC_FLUSH block:
 *     everything written so far reaches the peer's decompressor, and an
 *     interactive protocol is not stuck behind the compressor.
 *   - bufferevent_flush(zbev, EV_WRITE, BEV_FINISHED) ends the stream
 *     (Z_FINISH, the gzip trailer) and then flushes the underlying with
 *     BEV_FINISHED (a socket half-closes).  Writing again afterwards starts a
 *     new stream (a new gzip member); the reading side accepts such
 *     concatenated streams.
 *   - A corrupt stream, a stream cut short by EOF, or a configured limit
 *     exceeded gives BEV_EVENT_ERROR|BEV_EVENT_READING (or WRITING) to the
 *     event callback, and uvbev_zlib_get_error() says why.
 *
 * Only available when uvbev was built with UVBEV_WITH_ZLIB
 * (<uvbev/uvbev-config.h>).
 */
#ifndef UVBEV_ZLIB_H_INCLUDED_
#define UVBEV_ZLIB_H_INCLUDED_

#include <stddef.h>
#include <stdint.h>
#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bufferevent;

/* Stream formats (both directions use the same one). */
#define UVBEV_ZLIB_FORMAT_ZLIB 0 /**< RFC 1950 zlib wrapper (default) */
#define UVBEV_ZLIB_FORMAT_GZIP 1 /**< RFC 1952 gzip (readable by gzip -dc) */
#define UVBEV_ZLIB_FORMAT_RAW 2  /**< RFC 1951 raw deflate, no header/trailer */

/**
 * Configuration of a zlib filter.  Always fill it with
 * uvbev_zlib_config_init() first, then change fields: new fields may be added
 * at the end in later versions, and `size` tells uvbev which ones the caller
 * knows about.
 */
struct uvbev_zlib_config {
  size_t size;                 /**< sizeof(struct uvbev_zlib_config); set by init */
  int format;                  /**< UVBEV_ZLIB_FORMAT_*; default ZLIB */
  int level;                   /**< 0 (store) .. 9 (best), -1 = zlib's default (6) */
  int mem_level;               /**< deflate memLevel 1..9; default 8 */
  int window_bits;             /**< 9..15 (log2 of the window); default 15 */
  size_t max_inflate_ratio;    /**< inflated/compressed bytes above this is an
                                    error (checked once past 64 KiB of output);
                                    0 = no limit (default) */
  uint64_t max_inflated_bytes; /**< total inflated bytes above this is an
                                    error; 0 = no limit (default) */
};

/** Fills cfg with the defaults (and cfg->size).  NULL is ignored. */
UVBEV_API void uvbev_zlib_config_init(struct uvbev_zlib_config *cfg);

/**
 * Creates a zlib filter on top of underlying.
 *
 * @param underlying the bufferevent that carries the compressed bytes; the
 *   filter takes over its callbacks
 * @param options BEV_OPT_* (BEV_OPT_CLOSE_ON_FREE frees underlying with the
 *   filter)
 * @param cfg the configuration, or NULL for the defaults
 * @return the filter, or NULL (NULL underlying, invalid configuration, out of
 *   memory)
 */
UVBEV_API struct bufferevent *uvbev_zlib_filter_new(struct bufferevent *underlying, int options,
                                                    const struct uvbev_zlib_config *cfg);

/**
 * Why a zlib filter reported BEV_EVENT_ERROR: zlib's own message for a
 * corrupt stream, or uvbev's ("inflate ratio limit exceeded", "compressed
 * stream truncated by EOF", ...).
 * @return a string owned by the filter (valid until it is freed), or NULL if
 *   there was no error or bev is not a zlib filter
 */
UVBEV_API const char *uvbev_zlib_get_error(struct bufferevent *bev);

/**
 * Byte counters of a zlib filter since it was created: the user's bytes
 * written (before deflate) and compressed bytes produced; compressed bytes
 * consumed and bytes inflated.  Any pointer may be NULL.
 * @return 0, or -1 if bev is not a zlib filter
 */
UVBEV_API int uvbev_zlib_get_counts(struct bufferevent *bev, uint64_t *deflate_in,
                                    uint64_t *deflate_out, uint64_t *inflate_in,
                                    uint64_t *inflate_out);

#ifdef __cplusplus
}
#endif

#endif
