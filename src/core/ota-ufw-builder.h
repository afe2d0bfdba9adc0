/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Writes .ufw files: valid ones of any size, and each kind of broken one.
 * Used by otaflash-mkufw, the tests, the benchmarks and the demo. Never ship
 * vendor firmware: this makes our own. */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  OTA_UFW_CORRUPT_NONE = 0,
  OTA_UFW_CORRUPT_TRUNCATED,    /* file cut short: total size != length */
  OTA_UFW_CORRUPT_HEADER_CRC,   /* header CRC wrong */
  OTA_UFW_CORRUPT_LIST_CRC,     /* entry table CRC wrong */
  OTA_UFW_CORRUPT_DATA_CRC,     /* a data byte of flash.bin flipped */
  OTA_UFW_CORRUPT_ENTRY_BOUNDS, /* an entry points past the end of the file */
  OTA_UFW_CORRUPT_ENTRY_SIZE,   /* an entry with size > size2 */
  OTA_UFW_CORRUPT_NO_OTA_BIN,   /* valid container without ota.bin */
  OTA_UFW_CORRUPT_UNKNOWN_CHIP, /* valid container for another chip */
  OTA_UFW_CORRUPT_TOO_SHORT,    /* shorter than a header */
  OTA_UFW_CORRUPT_BAD_COUNT,    /* entry count larger than the file can hold */
} OtaUfwCorruption;

typedef struct {
  guint64 flash_size;   /* bytes of flash.bin (pseudo-random) */
  guint64 ota_size;     /* bytes of ota.bin (pseudo-random) */
  guint32 seed;         /* seed of the pseudo-random data */
  const gchar *version; /* script.ver text, e.g. "1.0.2"; NULL: no script.ver */
  const gchar *chip;    /* NULL: "AC791N" */
  OtaUfwCorruption corruption;
  /* FALSE (the default): each data CRC covers the stored, padded bytes
   * (size2), as the SDK's sample files do; TRUE: only the size bytes, as
   * the device's own verify routine checks (ufw.md) */
  gboolean crc_over_size;
  /* NUL bytes after the script.ver text, inside its size (seen in files
   * made by other tools) */
  guint version_nul_pad;
} OtaUfwBuildOptions;

void ota_ufw_build_options_init (OtaUfwBuildOptions *opts);

/* Writes the file with bounded memory (streams the data). */
gboolean ota_ufw_build_file (const OtaUfwBuildOptions *opts, const gchar *path, GError **error);

/* Parses "none", "truncated", "header-crc", ... (the names otaflash-mkufw
 * --corrupt takes). */
gboolean ota_ufw_corruption_from_string (const gchar *s, OtaUfwCorruption *out);
const gchar *ota_ufw_corruption_to_string (OtaUfwCorruption c); /* NULL if unknown */
/* One line for --help ("the header CRC is wrong"), or NULL if unknown. Kinds
 * run from OTA_UFW_CORRUPT_NONE upwards until to_string() returns NULL. */
const gchar *ota_ufw_corruption_describe (OtaUfwCorruption c);

G_END_DECLS
