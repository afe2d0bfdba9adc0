/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Incremental CTP stream decoder: feed it whatever recv() returned (one byte
 * or many frames), pop complete frames. Bounded: an absurd topic or content
 * length is an error at once, before any allocation of that size. */

#include "ota-ctp-frame.h"

G_BEGIN_DECLS

typedef struct _OtaCtpDecoder OtaCtpDecoder;

OtaCtpDecoder *ota_ctp_decoder_new (void);
void ota_ctp_decoder_free (OtaCtpDecoder *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaCtpDecoder, ota_ctp_decoder_free)

/* Appends @len bytes. Returns FALSE with OTA_ERROR_PROTOCOL when the stream is
 * out of step (bad magic) or a length is beyond the limits; the decoder then
 * stays failed (the device never resynchronises either). */
gboolean ota_ctp_decoder_feed (OtaCtpDecoder *self, const guint8 *data, gsize len, GError **error);

/* Next complete frame, or NULL when more bytes are needed. */
OtaCtpFrame *ota_ctp_decoder_pop (OtaCtpDecoder *self);

/* Bytes buffered but not yet part of a complete frame. */
gsize ota_ctp_decoder_get_pending (OtaCtpDecoder *self);

G_END_DECLS
