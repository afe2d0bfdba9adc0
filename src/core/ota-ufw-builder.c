/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-ufw-builder.h"

#include <string.h>

#include "ota-error.h"
#include "ota-le.h"
#include "ota-ufw.h"
#include "ota-ufw-codec.h"

#define BUILD_CHUNK_SIZE (64 * 1024)
#define BUILD_DEFAULT_CHIP "AC791N"
#define BUILD_FOREIGN_CHIP "AC700N"
/* header fields whose meaning is unknown, set to the values seen in real files */
#define BUILD_UNKNOWN_0A 3
#define BUILD_UNKNOWN_0C 0x200

static const struct {
  OtaUfwCorruption kind;
  const gchar *name;
  const gchar *description;
} corruptions[] = {
  { OTA_UFW_CORRUPT_NONE, "none", "a valid file" },
  { OTA_UFW_CORRUPT_TRUNCATED, "truncated", "the file is cut short (header size != length)" },
  { OTA_UFW_CORRUPT_HEADER_CRC, "header-crc", "the header CRC is wrong" },
  { OTA_UFW_CORRUPT_LIST_CRC, "list-crc", "the entry table CRC is wrong" },
  { OTA_UFW_CORRUPT_DATA_CRC, "data-crc", "a data byte of flash.bin is flipped" },
  { OTA_UFW_CORRUPT_ENTRY_BOUNDS, "entry-bounds", "flash.bin reaches past the end of the file" },
  { OTA_UFW_CORRUPT_ENTRY_SIZE, "entry-size", "flash.bin has size > stored size" },
  { OTA_UFW_CORRUPT_NO_OTA_BIN, "no-ota-bin", "a valid container without ota.bin" },
  { OTA_UFW_CORRUPT_UNKNOWN_CHIP, "unknown-chip",
    "a valid container for chip " BUILD_FOREIGN_CHIP },
  { OTA_UFW_CORRUPT_TOO_SHORT, "too-short", "shorter than a header (32 bytes)" },
  { OTA_UFW_CORRUPT_BAD_COUNT, "bad-count", "the entry count is larger than the file can hold" },
};

gboolean
ota_ufw_corruption_from_string (const gchar *s, OtaUfwCorruption *out)
{
  g_return_val_if_fail (s != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (corruptions); i++)
    {
      if (g_ascii_strcasecmp (s, corruptions[i].name) == 0)
        {
          if (out != NULL)
            *out = corruptions[i].kind;
          return TRUE;
        }
    }
  return FALSE;
}

const gchar *
ota_ufw_corruption_to_string (OtaUfwCorruption c)
{
  for (gsize i = 0; i < G_N_ELEMENTS (corruptions); i++)
    {
      if (corruptions[i].kind == c)
        return corruptions[i].name;
    }
  return NULL;
}

const gchar *
ota_ufw_corruption_describe (OtaUfwCorruption c)
{
  for (gsize i = 0; i < G_N_ELEMENTS (corruptions); i++)
    {
      if (corruptions[i].kind == c)
        return corruptions[i].description;
    }
  return NULL;
}

void
ota_ufw_build_options_init (OtaUfwBuildOptions *opts)
{
  g_return_if_fail (opts != NULL);

  memset (opts, 0, sizeof *opts);
  opts->flash_size = 256 * 1024;
  opts->ota_size = 64 * 1024;
  opts->seed = 1;
  opts->version = "1.0.1";
  opts->chip = NULL;
  opts->corruption = OTA_UFW_CORRUPT_NONE;
}

/* xorshift64* seeded through splitmix64, one independent stream per entry:
 * the same seed always gives the same bytes, on every platform. */
typedef struct {
  guint64 state;
} Prng;

static void
prng_init (Prng *prng, guint32 seed, guint64 stream)
{
  guint64 z = ((guint64) seed << 32 | stream) + G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  z ^= z >> 31;
  prng->state = z != 0 ? z : 1;
}

static guint64
prng_next (Prng *prng)
{
  guint64 x = prng->state;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  prng->state = x;
  return x * G_GUINT64_CONSTANT (0x2545F4914F6CDD1D);
}

/* @len is a multiple of 8 except at the end of an entry */
static void
prng_fill (Prng *prng, guint8 *buf, gsize len)
{
  for (gsize i = 0; i < len; i += 8)
    {
      guint64 v = prng_next (prng);

      for (gsize k = 0; k < 8 && i + k < len; k++)
        buf[i + k] = (guint8) (v >> (8 * k));
    }
}

typedef enum {
  SOURCE_TEXT,
  SOURCE_RANDOM,
} EntrySource;

typedef struct {
  const gchar *name;
  guint16 type;
  EntrySource source;
  const gchar *text; /* SOURCE_TEXT */
  guint64 stream;    /* SOURCE_RANDOM */
  guint64 offset;
  guint64 size;
  guint64 size2;
  guint16 crc;
  gboolean crc_over_size; /* the CRC covers size bytes, not size2 */
  gint64 flip_at;         /* data byte to flip after the CRC, -1: none */
} PlanEntry;

#define PLAN_MAX 3

/* Writes one entry's stored bytes (data, then 0xFF padding) and computes
 * their CRC, in bounded chunks. */
static gboolean
write_entry (GOutputStream *out, guint32 seed, PlanEntry *e, guint8 *buf, GError **error)
{
  Prng prng;
  guint64 done = 0;

  prng_init (&prng, seed, e->stream);
  e->crc = 0;
  while (done < e->size2)
    {
      gsize n = (gsize) MIN ((guint64) BUILD_CHUNK_SIZE, e->size2 - done);
      gsize data = (gsize) (done < e->size ? MIN ((guint64) n, e->size - done) : 0);

      if (e->source == SOURCE_TEXT)
        {
          /* the text, then NULs up to its size */
          gsize text_len = strlen (e->text);
          gsize copy = done < text_len ? MIN (data, text_len - (gsize) done) : 0;

          memcpy (buf, e->text + done, copy);
          memset (buf + copy, 0, data - copy);
        }
      else
        prng_fill (&prng, buf, data);
      memset (buf + data, 0xFF, n - data);
      e->crc = ota_crc16 (e->crc, buf, e->crc_over_size ? data : n);
      if (e->flip_at >= 0 && (guint64) e->flip_at >= done && (guint64) e->flip_at < done + n)
        buf[e->flip_at - done] ^= 0x01;
      if (!g_output_stream_write_all (out, buf, n, NULL, NULL, error))
        return FALSE;
      done += n;
    }
  return TRUE;
}

static void
encode_entry (const PlanEntry *e, guint index, guint8 raw[OTA_UFW_ENTRY_SIZE])
{
  memset (raw, 0, OTA_UFW_ENTRY_SIZE);
  ota_le16_put (raw + 0x00, e->type);
  ota_le16_put (raw + 0x02, (guint16) index);
  ota_le16_put (raw + 0x04, e->crc);
  ota_le32_put (raw + 0x08, (guint32) e->offset);
  ota_le32_put (raw + 0x0C, (guint32) e->size);
  ota_le32_put (raw + 0x10, (guint32) e->size2);
  memcpy (raw + 0x40, e->name, strlen (e->name)); /* < 16, NUL from memset */
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, raw, OTA_UFW_ENTRY_SIZE);
}

static void
encode_header (guint16 list_crc, guint32 total, guint16 count, const gchar *chip, gboolean bad_crc,
               guint8 raw[OTA_UFW_HEADER_SIZE])
{
  guint16 crc;

  memset (raw, 0, OTA_UFW_HEADER_SIZE);
  ota_le16_put (raw + 0x02, list_crc);
  ota_le32_put (raw + 0x04, total);
  ota_le16_put (raw + 0x08, count);
  ota_le16_put (raw + 0x0A, BUILD_UNKNOWN_0A);
  ota_le32_put (raw + 0x0C, BUILD_UNKNOWN_0C);
  memcpy (raw + 0x10, chip, strlen (chip)); /* < 48, NUL from memset */
  crc = ota_crc16 (0, raw + 2, OTA_UFW_HEADER_SIZE - 2);
  ota_le16_put (raw + 0x00, bad_crc ? crc ^ 0xFFFF : crc);
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, raw, OTA_UFW_HEADER_SIZE);
}

static guint
plan_entries (const OtaUfwBuildOptions *opts, PlanEntry plan[PLAN_MAX])
{
  guint n = 0;

  memset (plan, 0, sizeof (PlanEntry) * PLAN_MAX);
  /* script.ver right after the table, so that the device's first window
   * (20436 bytes at offset 0) holds header, table and version */
  if (opts->version != NULL)
    {
      plan[n].name = "script.ver";
      plan[n].type = OTA_UFW_TYPE_SCRIPT_VER;
      plan[n].source = SOURCE_TEXT;
      plan[n].text = opts->version;
      plan[n].size = strlen (opts->version) + opts->version_nul_pad;
      n++;
    }
  if (opts->corruption != OTA_UFW_CORRUPT_NO_OTA_BIN)
    {
      plan[n].name = "ota.bin";
      plan[n].type = OTA_UFW_TYPE_OTA_LOADER;
      plan[n].source = SOURCE_RANDOM;
      plan[n].stream = 100;
      plan[n].size = opts->ota_size;
      n++;
    }
  plan[n].name = "flash.bin";
  plan[n].type = OTA_UFW_TYPE_FLASH;
  plan[n].source = SOURCE_RANDOM;
  plan[n].stream = 0;
  plan[n].size = opts->flash_size;
  n++;
  return n;
}

static gboolean
build_to_stream (const OtaUfwBuildOptions *opts, GFileOutputStream *fout, GError **error)
{
  GOutputStream *out = G_OUTPUT_STREAM (fout);
  PlanEntry plan[PLAN_MAX];
  PlanEntry *flash;
  g_autofree guint8 *buf = NULL;
  guint8 table[PLAN_MAX * OTA_UFW_ENTRY_SIZE];
  guint8 header[OTA_UFW_HEADER_SIZE];
  const gchar *chip;
  guint n;
  guint64 pos;
  guint64 table_end;
  guint16 count;
  guint16 list_crc;

  chip = opts->chip != NULL ? opts->chip : BUILD_DEFAULT_CHIP;
  if (opts->corruption == OTA_UFW_CORRUPT_UNKNOWN_CHIP)
    chip = BUILD_FOREIGN_CHIP;
  if (strlen (chip) >= 48)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_FAILED,
                   "chip name '%s' is too long (at most 47 characters)", chip);
      return FALSE;
    }

  n = plan_entries (opts, plan);
  flash = &plan[n - 1];
  table_end = OTA_UFW_HEADER_SIZE + (guint64) n * OTA_UFW_ENTRY_SIZE;
  pos = table_end;
  for (guint i = 0; i < n; i++)
    {
      plan[i].offset = pos;
      plan[i].size2 = (plan[i].size + 15) & ~G_GUINT64_CONSTANT (15);
      plan[i].flip_at = -1;
      plan[i].crc_over_size = opts->crc_over_size;
      pos += plan[i].size2;
    }
  if (pos > G_GUINT64_CONSTANT (0xFFFFFFFF)
      || (opts->corruption == OTA_UFW_CORRUPT_ENTRY_BOUNDS && flash->size2 + 16 > G_MAXUINT32))
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_FAILED,
                   "the file would be %" G_GUINT64_FORMAT " bytes: a UFW file must be smaller "
                   "than 4 GiB",
                   pos);
      return FALSE;
    }
  if (opts->corruption == OTA_UFW_CORRUPT_DATA_CRC)
    {
      if (flash->size == 0)
        {
          g_set_error_literal (error, OTA_ERROR, OTA_ERROR_FAILED,
                               "data-crc needs a flash.bin of at least one byte");
          return FALSE;
        }
      flash->flip_at = (gint64) (flash->size / 2);
    }

  if (opts->corruption == OTA_UFW_CORRUPT_TOO_SHORT)
    {
      /* half a header: nothing else matters */
      encode_header (0, (guint32) pos, (guint16) n, chip, FALSE, header);
      return g_output_stream_write_all (out, header, OTA_UFW_HEADER_SIZE / 2, NULL, NULL, error);
    }

  /* room for header and table, written at the end once the CRCs are known */
  memset (header, 0, sizeof header);
  memset (table, 0, sizeof table);
  if (!g_output_stream_write_all (out, header, sizeof header, NULL, NULL, error)
      || !g_output_stream_write_all (out, table, (gsize) n * OTA_UFW_ENTRY_SIZE, NULL, NULL, error))
    return FALSE;
  buf = g_malloc (BUILD_CHUNK_SIZE);
  for (guint i = 0; i < n; i++)
    {
      if (!write_entry (out, opts->seed, &plan[i], buf, error))
        return FALSE;
    }

  if (opts->corruption == OTA_UFW_CORRUPT_ENTRY_BOUNDS)
    flash->size2 += 16; /* flash.bin is last: now it ends past the file */
  else if (opts->corruption == OTA_UFW_CORRUPT_ENTRY_SIZE)
    flash->size = flash->size2 + 1;
  for (guint i = 0; i < n; i++)
    encode_entry (&plan[i], i, table + (gsize) i * OTA_UFW_ENTRY_SIZE);
  list_crc = ota_crc16 (0, table, (gsize) n * OTA_UFW_ENTRY_SIZE);
  if (opts->corruption == OTA_UFW_CORRUPT_LIST_CRC)
    list_crc ^= 0xFFFF;
  count = (guint16) n;
  if (opts->corruption == OTA_UFW_CORRUPT_BAD_COUNT)
    count = (guint16) MIN ((pos - OTA_UFW_HEADER_SIZE) / OTA_UFW_ENTRY_SIZE + 1,
                           (guint64) G_MAXUINT16);
  encode_header (list_crc, (guint32) pos, count, chip,
                 opts->corruption == OTA_UFW_CORRUPT_HEADER_CRC, header);

  if (!g_seekable_seek (G_SEEKABLE (fout), 0, G_SEEK_SET, NULL, error)
      || !g_output_stream_write_all (out, header, sizeof header, NULL, NULL, error)
      || !g_output_stream_write_all (out, table, (gsize) n * OTA_UFW_ENTRY_SIZE, NULL, NULL, error))
    return FALSE;

  if (opts->corruption == OTA_UFW_CORRUPT_TRUNCATED)
    {
      /* cut into the data when there is some, at least one byte anyway */
      guint64 cut = MAX (MIN ((pos - table_end) / 2, (guint64) 4096), (guint64) 1);

      if (!g_seekable_truncate (G_SEEKABLE (fout), (goffset) (pos - cut), NULL, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ota_ufw_build_file (const OtaUfwBuildOptions *opts, const gchar *path, GError **error)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileOutputStream) fout = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (opts != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (ota_ufw_corruption_to_string (opts->corruption) == NULL)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_FAILED, "unknown corruption kind %d",
                   (int) opts->corruption);
      return FALSE;
    }

  file = g_file_new_for_path (path);
  fout = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, &local_error);
  if (fout != NULL && !build_to_stream (opts, fout, &local_error))
    {
      /* closing with a cancelled cancellable drops the half-written file */
      g_autoptr (GCancellable) abort = g_cancellable_new ();

      g_cancellable_cancel (abort);
      g_output_stream_close (G_OUTPUT_STREAM (fout), abort, NULL);
    }
  else if (fout != NULL)
    g_output_stream_close (G_OUTPUT_STREAM (fout), NULL, &local_error);
  if (local_error != NULL)
    {
      ota_error_convert (&local_error);
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot write '%s': ", path);
      return FALSE;
    }
  return TRUE;
}
