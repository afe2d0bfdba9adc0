/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-ufw-codec.h"

#define CRC16_POLY 0x1021

/*
 * CRC-16/XMODEM, table-driven, eight bytes per step ("slicing-by-8"): the
 * register only reaches into the first two bytes of a step, and each table
 * k holds the CRC of a byte followed by k zero bytes, so a step is eight
 * independent lookups XORed together. About ten times the speed of one
 * lookup per byte, which matters when the whole firmware is checked.
 * crc_tables[0] is the classic one-byte table.
 */
static guint16 crc_tables[8][256];

static void
crc_tables_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      for (guint i = 0; i < 256; i++)
        {
          guint16 crc = (guint16) (i << 8);

          for (guint bit = 0; bit < 8; bit++)
            crc = (guint16) ((crc & 0x8000) ? (crc << 1) ^ CRC16_POLY : crc << 1);
          crc_tables[0][i] = crc;
        }
      for (guint k = 1; k < 8; k++)
        for (guint i = 0; i < 256; i++)
          {
            guint16 prev = crc_tables[k - 1][i];

            crc_tables[k][i] = (guint16) ((prev << 8) ^ crc_tables[0][prev >> 8]);
          }
      g_once_init_leave (&initialised, 1);
    }
}

guint16
ota_crc16 (guint16 crc, const guint8 *data, gsize len)
{
  g_return_val_if_fail (data != NULL || len == 0, crc);

  crc_tables_init ();
  while (len >= 8)
    {
      crc = crc_tables[7][data[0] ^ (crc >> 8)] ^ crc_tables[6][data[1] ^ (crc & 0xFF)]
            ^ crc_tables[5][data[2]] ^ crc_tables[4][data[3]] ^ crc_tables[3][data[4]]
            ^ crc_tables[2][data[5]] ^ crc_tables[1][data[6]] ^ crc_tables[0][data[7]];
      data += 8;
      len -= 8;
    }
  while (len-- > 0)
    crc = (guint16) ((crc << 8) ^ crc_tables[0][((crc >> 8) ^ *data++) & 0xFF]);
  return crc;
}

/* The key is the same 16-bit register, fed with zeros: each byte is XORed
 * with its low byte, then it shifts once. */
guint16
ota_ufw_scramble (guint16 key, guint8 *data, gsize len)
{
  g_return_val_if_fail (data != NULL || len == 0, key);

  for (gsize i = 0; i < len; i++)
    {
      data[i] ^= (guint8) (key & 0xFF);
      key = (guint16) ((key << 1) ^ ((key & 0x8000) ? CRC16_POLY : 0));
    }
  return key;
}
