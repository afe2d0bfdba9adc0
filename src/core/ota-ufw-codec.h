/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The two primitives of the JieLi container (../shared/spec/ufw.md):
 * CRC-16/XMODEM and the LFSR "ENC" scrambling. */

#include <glib.h>

G_BEGIN_DECLS

#define OTA_UFW_SCRAMBLE_KEY 0xFFFF

/* CRC-16/XMODEM (poly 0x1021, no reflection, no final xor), continued from
 * @crc. Start with 0x0000. "123456789" gives 0x31C3. */
guint16 ota_crc16 (guint16 crc, const guint8 *data, gsize len);

/* XORs @data in place with the LFSR stream that starts from @key, and returns
 * the key to continue with. Applying it twice with the same start key restores
 * the data. */
guint16 ota_ufw_scramble (guint16 key, guint8 *data, gsize len);

G_END_DECLS
