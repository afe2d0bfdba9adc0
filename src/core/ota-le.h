/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Little-endian loads and stores with explicit byte shifts: wire and file
 * formats are decoded byte by byte, never through struct casts, so alignment
 * and host byte order never matter. Private to the core. */

#include <glib.h>

static inline guint16
ota_le16_get (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline guint32
ota_le32_get (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline void
ota_le16_put (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v & 0xFF);
  p[1] = (guint8) (v >> 8);
}

static inline void
ota_le32_put (guint8 *p, guint32 v)
{
  p[0] = (guint8) (v & 0xFF);
  p[1] = (guint8) ((v >> 8) & 0xFF);
  p[2] = (guint8) ((v >> 16) & 0xFF);
  p[3] = (guint8) (v >> 24);
}
