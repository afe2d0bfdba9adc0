/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The .ufw firmware container: parsing and validation per ufw.md. */

#include <gio/gio.h>
#include "ota-firmware.h"

G_BEGIN_DECLS

#define OTA_UFW_HEADER_SIZE 0x40
#define OTA_UFW_ENTRY_SIZE 0x50
#define OTA_UFW_MAX_ENTRIES 1024

#define OTA_UFW_TYPE_FLASH 0
#define OTA_UFW_TYPE_INFO 2
#define OTA_UFW_TYPE_ISD_CONFIG 52
#define OTA_UFW_TYPE_OTA_LOADER 100
#define OTA_UFW_TYPE_SCRIPT_VER 251
#define OTA_UFW_TYPE_TAIL 255

/* Descrambled header fields. */
typedef struct {
  guint16 hdr_crc;
  guint16 list_crc;
  guint32 total_size;
  guint16 entry_count;
  guint16 unknown_0a;
  guint32 unknown_0c;
  gchar chip[49]; /* NUL-terminated */
} OtaUfwHeader;

/* Descrambled entry fields. */
typedef struct {
  guint16 type;
  guint16 index;
  guint16 data_crc;
  guint32 offset;
  guint32 size;
  guint32 size2;
  gchar name[17]; /* NUL-terminated */
} OtaUfwEntry;

/* Pure codecs, used by the parser, the emulator and the fuzz target. Both
 * take raw (scrambled) bytes straight from the file. */
gboolean ota_ufw_header_decode (const guint8 raw[OTA_UFW_HEADER_SIZE], OtaUfwHeader *out,
                                GError **error); /* checks hdr_crc */
void ota_ufw_entry_decode (const guint8 raw[OTA_UFW_ENTRY_SIZE], OtaUfwEntry *out);
/* Checks list_crc against the raw table, then decodes every entry and checks
 * the structural rules that do not need the data (offset + size2 <= file
 * size, size <= size2). Returns a newly allocated array of n_entries. */
OtaUfwEntry *ota_ufw_table_decode (const OtaUfwHeader *hdr, const guint8 *raw_table, gsize raw_len,
                                   guint64 file_size, GError **error);

typedef enum {
  OTA_UFW_CHECK_DEFAULT = 0,
  /* Accept a missing ota.bin and an unknown chip name (reported as warnings). */
  OTA_UFW_CHECK_FORCE = 1 << 0,
} OtaUfwCheckFlags;

/* Which length an entry's data CRC matched over (ufw.md: the padded size2
 * at entry offset 0x10, or the size at 0x0C that the vendor's own verify
 * routine is given). A file whose CRCs match over neither is refused. */
typedef enum {
  OTA_UFW_CRC_SPAN_BOTH,   /* over either: size == size2, or both matched */
  OTA_UFW_CRC_SPAN_PADDED, /* over size2 only (the SDK's sample files) */
  OTA_UFW_CRC_SPAN_SIZE,   /* over size only (what the device verifies) */
  OTA_UFW_CRC_SPAN_MIXED,  /* the file as a whole: some entries one way, some the other */
} OtaUfwCrcSpan;

/* "both", "padded", "size", "mixed" (for --check and the JSON events). */
const gchar *ota_ufw_crc_span_to_string (OtaUfwCrcSpan span);

/* A validated container. */
#define OTA_TYPE_UFW (ota_ufw_get_type ())
G_DECLARE_FINAL_TYPE (OtaUfw, ota_ufw, OTA, UFW, GObject)

/* Reads and validates the whole file (one sequential pass with a bounded
 * buffer: header, table, every entry's data CRC, SHA-256 of the file).
 * Errors are OTA_ERROR_INVALID_FILE with a message that names exactly what is
 * wrong ("entry 2 'ota.bin': data CRC 0x1234, expected 0xABCD"). */
OtaUfw *ota_ufw_load (OtaFirmware *firmware, OtaUfwCheckFlags flags, GCancellable *cancellable,
                      GError **error);

const OtaUfwHeader *ota_ufw_get_header (OtaUfw *self);
guint ota_ufw_get_n_entries (OtaUfw *self);
const OtaUfwEntry *ota_ufw_get_entry (OtaUfw *self, guint idx);
/* First entry of @type, or NULL. */
const OtaUfwEntry *ota_ufw_find_entry (OtaUfw *self, guint16 type);
const gchar *ota_ufw_get_chip (OtaUfw *self);
/* script.ver text, trimmed, or NULL when the file has none. */
const gchar *ota_ufw_get_version (OtaUfw *self);
const gchar *ota_ufw_get_sha256 (OtaUfw *self); /* lowercase hex */
guint64 ota_ufw_get_size (OtaUfw *self);
/* Which length the data CRCs matched over: for the file (BOTH when every
 * entry matched either way, PADDED/SIZE when all that differ matched the
 * same way, MIXED otherwise), and for one entry (never MIXED). */
OtaUfwCrcSpan ota_ufw_get_crc_span (OtaUfw *self);
OtaUfwCrcSpan ota_ufw_get_entry_crc_span (OtaUfw *self, guint idx);
/* Human-readable warnings accepted under OTA_UFW_CHECK_FORCE (may be empty). */
GPtrArray *ota_ufw_get_warnings (OtaUfw *self); /* element-type utf8 */

/* TRUE for chip names of the AC79 family ("AC79" prefix, case-insensitive). */
gboolean ota_ufw_chip_is_known (const gchar *chip);

G_END_DECLS
