/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "FuzzUfw"

/* The .ufw container: the header and table codecs on the raw input, then
 * the whole validation (ota_ufw_load) on the input as a file in memory
 * (memfd). Random bytes rarely get past a CRC, so the last input byte is a
 * control byte: its bits ask to repair the entries' data CRCs, the table
 * CRC, the total size and the header CRC before loading, which takes the
 * fuzzer deep into the entry checks, script.ver and the soft checks. */

#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "ota-firmware.h"
#include "ota-le.h"
#include "ota-ufw-codec.h"
#include "ota-ufw.h"

#define FIX_DATA_CRCS 0x01
#define FIX_LIST_CRC 0x02
#define FIX_TOTAL_SIZE 0x04
#define FIX_HEADER_CRC 0x08
#define FIX_COUNT 0x10
#define LOAD_FORCE 0x20

static int memfd = -1;
static gchar *memfd_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  memfd = memfd_create ("fuzz-ufw", 0);
  g_assert_cmpint (memfd, >=, 0);
  memfd_path = g_strdup_printf ("/proc/self/fd/%d", memfd);
  return 0;
}

static void
repair (guint8 *buf, gsize size, guint8 control)
{
  guint8 hdr[OTA_UFW_HEADER_SIZE];
  guint count;

  if (size < OTA_UFW_HEADER_SIZE)
    return;
  memcpy (hdr, buf, sizeof hdr);
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, hdr, sizeof hdr);
  count = ota_le16_get (hdr + 0x08);
  if (control & FIX_COUNT)
    {
      count = MIN (count, (size - OTA_UFW_HEADER_SIZE) / OTA_UFW_ENTRY_SIZE);
      count = MIN (count, 16u);
      ota_le16_put (hdr + 0x08, (guint16) count);
    }
  if (OTA_UFW_HEADER_SIZE + (gsize) count * OTA_UFW_ENTRY_SIZE <= size)
    {
      guint8 *table = buf + OTA_UFW_HEADER_SIZE;

      if (control & FIX_DATA_CRCS)
        for (guint i = 0; i < count; i++)
          {
            guint8 *raw = table + (gsize) i * OTA_UFW_ENTRY_SIZE;
            guint8 e[OTA_UFW_ENTRY_SIZE];
            guint32 offset, size2;

            memcpy (e, raw, sizeof e);
            ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, e, sizeof e);
            offset = ota_le32_get (e + 0x08);
            size2 = ota_le32_get (e + 0x10);
            if ((guint64) offset + size2 > size)
              continue;
            /* entries may overlap the table itself: good enough */
            ota_le16_put (e + 0x04, ota_crc16 (0, buf + offset, size2));
            ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, e, sizeof e);
            memcpy (raw, e, sizeof e);
          }
      if (control & FIX_LIST_CRC)
        ota_le16_put (hdr + 0x02, ota_crc16 (0, table, (gsize) count * OTA_UFW_ENTRY_SIZE));
    }
  if (control & FIX_TOTAL_SIZE)
    ota_le32_put (hdr + 0x04, (guint32) size);
  if (control & FIX_HEADER_CRC)
    ota_le16_put (hdr + 0x00, ota_crc16 (0, hdr + 2, sizeof hdr - 2));
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, hdr, sizeof hdr);
  memcpy (buf, hdr, sizeof hdr);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree guint8 *buf = NULL;
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;
  guint8 control;
  OtaUfwHeader hdr;

  if (size < 1)
    return 0;
  control = data[size - 1];
  size--;
  buf = g_memdup2 (data, size);
  repair (buf, size, control);

  /* the pure codecs, as the emulator uses them */
  if (size >= OTA_UFW_HEADER_SIZE && ota_ufw_header_decode (buf, &hdr, NULL))
    {
      g_autofree OtaUfwEntry *entries = ota_ufw_table_decode (
          &hdr, buf + OTA_UFW_HEADER_SIZE, size - OTA_UFW_HEADER_SIZE, size, NULL);

      if (entries != NULL)
        for (guint i = 0; i < hdr.entry_count; i++)
          {
            g_assert_cmpuint ((guint64) entries[i].offset + entries[i].size2, <=, size);
            g_assert_cmpuint (entries[i].size, <=, entries[i].size2);
          }
    }

  /* the whole validation, on the bytes as a file */
  g_assert_cmpint (ftruncate (memfd, 0), ==, 0);
  g_assert_cmpint (pwrite (memfd, buf, size, 0), ==, (gssize) size);
  fw = ota_firmware_open (memfd_path, &error);
  if (fw == NULL)
    {
      g_assert_cmpuint (size, ==, 0); /* only an empty file fails to open */
      return 0;
    }
  ufw = ota_ufw_load (fw, (control & LOAD_FORCE) ? OTA_UFW_CHECK_FORCE : OTA_UFW_CHECK_DEFAULT,
                      NULL, &error);
  if (ufw == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_cmpuint (ota_ufw_get_size (ufw), ==, size);
  g_assert_cmpstr (ota_ufw_crc_span_to_string (ota_ufw_get_crc_span (ufw)), !=, "unknown");
  for (guint i = 0; i < ota_ufw_get_n_entries (ufw); i++)
    g_assert_cmpint (ota_ufw_get_entry_crc_span (ufw, i), !=, OTA_UFW_CRC_SPAN_MIXED);
  g_assert_true (ota_ufw_chip_is_known (ota_ufw_get_chip (ufw)) || (control & LOAD_FORCE));
  for (guint i = 0; i < ota_ufw_get_n_entries (ufw); i++)
    {
      const OtaUfwEntry *e = ota_ufw_get_entry (ufw, i);
      g_assert_cmpuint ((guint64) e->offset + e->size2, <=, size);
      g_assert_true (g_utf8_validate (e->name, -1, NULL));
    }
  if (ota_ufw_get_version (ufw) != NULL)
    g_assert_true (g_utf8_validate (ota_ufw_get_version (ufw), -1, NULL));
  g_assert_cmpuint (strlen (ota_ufw_get_sha256 (ufw)), ==, 64);
  return 0;
}
