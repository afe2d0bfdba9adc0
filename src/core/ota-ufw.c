/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-ufw.h"
#include "ota-i18n.h"

#include <string.h>

#include "ota-error.h"
#include "ota-le.h"
#include "ota-ufw-codec.h"

/* One bounded buffer for the pass over the file, whatever its size. */
#define UFW_CHUNK_SIZE (64 * 1024)
/* script.ver is a short version string; more than this is not shown. */
#define UFW_VERSION_MAX 256

struct _OtaUfw {
  GObject parent_instance;
  OtaUfwHeader header;
  OtaUfwEntry *entries;
  OtaUfwCrcSpan *spans; /* per entry */
  OtaUfwCrcSpan span;   /* the file */
  guint n_entries;
  gchar *version;
  gchar *sha256;
  guint64 size;
  GPtrArray *warnings;
};

G_DEFINE_TYPE (OtaUfw, ota_ufw, G_TYPE_OBJECT)

static void
ota_ufw_finalize (GObject *object)
{
  OtaUfw *self = OTA_UFW (object);

  g_free (self->entries);
  g_free (self->spans);
  g_free (self->version);
  g_free (self->sha256);
  g_ptr_array_unref (self->warnings);
  G_OBJECT_CLASS (ota_ufw_parent_class)->finalize (object);
}

static void
ota_ufw_class_init (OtaUfwClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_ufw_finalize;
}

static void
ota_ufw_init (OtaUfw *self)
{
  self->warnings = g_ptr_array_new_with_free_func (g_free);
}

/* Names come from the file and end up in messages and labels: keep them
 * printable ASCII, whatever the bytes are. */
static void
copy_name (gchar *dst, const guint8 *src, gsize max)
{
  gsize i;

  for (i = 0; i < max && src[i] != '\0'; i++)
    dst[i] = (src[i] >= 0x20 && src[i] < 0x7F) ? (gchar) src[i] : '?';
  dst[i] = '\0';
}

gboolean
ota_ufw_chip_is_known (const gchar *chip)
{
  return chip != NULL && g_ascii_strncasecmp (chip, "AC79", 4) == 0;
}

gboolean
ota_ufw_header_decode (const guint8 raw[OTA_UFW_HEADER_SIZE], OtaUfwHeader *out, GError **error)
{
  guint8 buf[OTA_UFW_HEADER_SIZE];
  guint16 crc;

  g_return_val_if_fail (raw != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memcpy (buf, raw, sizeof buf);
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, buf, sizeof buf);

  memset (out, 0, sizeof *out);
  out->hdr_crc = ota_le16_get (buf + 0x00);
  out->list_crc = ota_le16_get (buf + 0x02);
  out->total_size = ota_le32_get (buf + 0x04);
  out->entry_count = ota_le16_get (buf + 0x08);
  out->unknown_0a = ota_le16_get (buf + 0x0A);
  out->unknown_0c = ota_le32_get (buf + 0x0C);
  copy_name (out->chip, buf + 0x10, sizeof out->chip - 1);

  crc = ota_crc16 (0, buf + 2, sizeof buf - 2);
  if (crc != out->hdr_crc)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   _ ("header CRC 0x%04X, expected 0x%04X: this is not a UFW firmware file, "
                      "or its header is damaged"),
                   crc, out->hdr_crc);
      return FALSE;
    }
  return TRUE;
}

void
ota_ufw_entry_decode (const guint8 raw[OTA_UFW_ENTRY_SIZE], OtaUfwEntry *out)
{
  guint8 buf[OTA_UFW_ENTRY_SIZE];

  g_return_if_fail (raw != NULL);
  g_return_if_fail (out != NULL);

  /* each entry has its own key stream */
  memcpy (buf, raw, sizeof buf);
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, buf, sizeof buf);

  memset (out, 0, sizeof *out);
  out->type = ota_le16_get (buf + 0x00);
  out->index = ota_le16_get (buf + 0x02);
  out->data_crc = ota_le16_get (buf + 0x04);
  out->offset = ota_le32_get (buf + 0x08);
  out->size = ota_le32_get (buf + 0x0C);
  out->size2 = ota_le32_get (buf + 0x10);
  copy_name (out->name, buf + 0x40, sizeof out->name - 1);
}

OtaUfwEntry *
ota_ufw_table_decode (const OtaUfwHeader *hdr, const guint8 *raw_table, gsize raw_len,
                      guint64 file_size, GError **error)
{
  g_autofree OtaUfwEntry *entries = NULL;
  gsize need;
  guint16 crc;

  g_return_val_if_fail (hdr != NULL, NULL);
  g_return_val_if_fail (raw_table != NULL || raw_len == 0, NULL);

  if (hdr->entry_count > OTA_UFW_MAX_ENTRIES)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   _ ("the header lists %u entries; at most %u are supported"), hdr->entry_count,
                   (guint) OTA_UFW_MAX_ENTRIES);
      return NULL;
    }
  need = (gsize) hdr->entry_count * OTA_UFW_ENTRY_SIZE;
  if (raw_len < need)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   "the entry table is cut short: %" G_GSIZE_FORMAT
                   " bytes for %u entries of %u bytes",
                   raw_len, hdr->entry_count, (guint) OTA_UFW_ENTRY_SIZE);
      return NULL;
    }
  crc = ota_crc16 (0, raw_table, need);
  if (crc != hdr->list_crc)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   _ ("entry table CRC 0x%04X, expected 0x%04X: the entry table is damaged"), crc,
                   hdr->list_crc);
      return NULL;
    }

  /* one more than needed, so that an empty table is not a NULL return */
  entries = g_new0 (OtaUfwEntry, (gsize) hdr->entry_count + 1);
  for (guint i = 0; i < hdr->entry_count; i++)
    {
      OtaUfwEntry *e = &entries[i];

      ota_ufw_entry_decode (raw_table + (gsize) i * OTA_UFW_ENTRY_SIZE, e);
      if ((guint64) e->offset + e->size2 > file_size)
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                       "entry %u '%s': its data (%u bytes at offset 0x%08X) goes past the end "
                       "of the file (%" G_GUINT64_FORMAT " bytes)",
                       i + 1, e->name, e->size2, e->offset, file_size);
          return NULL;
        }
      if (e->size > e->size2)
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                       _ ("entry %u '%s': size %u is larger than its stored size %u"), i + 1,
                       e->name, e->size, e->size2);
          return NULL;
        }
    }
  return g_steal_pointer (&entries);
}

/* The text of script.ver, trimmed; NULL when it is empty. */
static gchar *
ufw_read_version (OtaFirmware *firmware, const OtaUfwEntry *e, GError **error)
{
  guint8 buf[UFW_VERSION_MAX];
  gsize len = MIN ((gsize) e->size, sizeof buf);
  g_autofree gchar *text = NULL;
  const guint8 *nul;

  if (!ota_firmware_read_at (firmware, e->offset, buf, len, error))
    return NULL;
  /* the text ends at the first NUL, if any (C string semantics): files pad
   * it with NULs, which are no part of the version */
  nul = memchr (buf, '\0', len);
  if (nul != NULL)
    len = (gsize) (nul - buf);
  text = g_utf8_make_valid ((const gchar *) buf, (gssize) len);
  g_strstrip (text);
  if (*text == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

/* The one pass over the file: SHA-256 of everything and, for every entry,
 * the CRC of its stored bytes (size2) and the CRC of its first size bytes
 * (the same running CRC, taken when it passes offset + size), in 64 KiB
 * steps. */
static gboolean
ufw_scan (OtaUfw *self, OtaFirmware *firmware, guint16 *crcs_padded, guint16 *crcs_size,
          GCancellable *cancellable, GError **error)
{
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (UFW_CHUNK_SIZE);
  guint64 pos = 0;

  /* an entry of size 0 has the CRC of nothing over its size */
  for (guint i = 0; i < self->n_entries; i++)
    crcs_size[i] = 0;
  while (pos < self->size)
    {
      gsize n = (gsize) MIN ((guint64) UFW_CHUNK_SIZE, self->size - pos);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!ota_firmware_read_at (firmware, pos, buf, n, error))
        return FALSE;
      g_checksum_update (sha, buf, n);
      for (guint i = 0; i < self->n_entries; i++)
        {
          const OtaUfwEntry *e = &self->entries[i];
          guint64 data_end = (guint64) e->offset + e->size;
          guint64 start = MAX (pos, (guint64) e->offset);
          guint64 end = MIN (pos + n, data_end);

          if (start < end)
            crcs_padded[i] = ota_crc16 (crcs_padded[i], buf + (start - pos), (gsize) (end - start));
          if (data_end > pos && data_end <= pos + n)
            crcs_size[i] = crcs_padded[i];
          start = MAX (pos, data_end);
          end = MIN (pos + n, (guint64) e->offset + e->size2);
          if (start < end)
            crcs_padded[i] = ota_crc16 (crcs_padded[i], buf + (start - pos), (gsize) (end - start));
        }
      pos += n;
    }
  self->sha256 = g_strdup (g_checksum_get_string (sha));
  return TRUE;
}

/* Accepts an entry whose data CRC matches over either length (ufw.md) and
 * records which; refuses it when neither does. */
static gboolean
ufw_check_entry_crc (OtaUfw *self, guint i, guint16 crc_padded, guint16 crc_size, GError **error)
{
  const OtaUfwEntry *e = &self->entries[i];
  gboolean padded = crc_padded == e->data_crc;
  gboolean size = crc_size == e->data_crc;

  if (padded && size)
    self->spans[i] = OTA_UFW_CRC_SPAN_BOTH;
  else if (padded)
    self->spans[i] = OTA_UFW_CRC_SPAN_PADDED;
  else if (size)
    self->spans[i] = OTA_UFW_CRC_SPAN_SIZE;
  else if (e->size == e->size2)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   _ ("entry %u '%s': data CRC 0x%04X, expected 0x%04X: the file is damaged "
                      "(copy it again)"),
                   i + 1, e->name, crc_padded, e->data_crc);
      return FALSE;
    }
  else
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   _ ("entry %u '%s': data CRC 0x%04X over its stored size (%u bytes) and 0x%04X "
                      "over its size (%u bytes), expected 0x%04X: the file is damaged (copy it "
                      "again)"),
                   i + 1, e->name, crc_padded, e->size2, crc_size, e->size, e->data_crc);
      return FALSE;
    }
  return TRUE;
}

/* The file's span: what all entries that tell the two lengths apart agree on. */
static OtaUfwCrcSpan
ufw_file_span (OtaUfw *self)
{
  OtaUfwCrcSpan span = OTA_UFW_CRC_SPAN_BOTH;

  for (guint i = 0; i < self->n_entries; i++)
    {
      if (self->spans[i] == OTA_UFW_CRC_SPAN_BOTH || self->spans[i] == span)
        continue;
      if (span != OTA_UFW_CRC_SPAN_BOTH)
        return OTA_UFW_CRC_SPAN_MIXED;
      span = self->spans[i];
    }
  return span;
}

const gchar *
ota_ufw_crc_span_to_string (OtaUfwCrcSpan span)
{
  switch (span)
    {
    case OTA_UFW_CRC_SPAN_BOTH:
      return "both";
    case OTA_UFW_CRC_SPAN_PADDED:
      return "padded";
    case OTA_UFW_CRC_SPAN_SIZE:
      return "size";
    case OTA_UFW_CRC_SPAN_MIXED:
      return "mixed";
    default:
      return "unknown";
    }
}

/* A check the user may override: an error, or a warning under FORCE. */
static gboolean
ufw_soft_fail (OtaUfw *self, OtaUfwCheckFlags flags, GError **error, gchar *message)
{
  if (flags & OTA_UFW_CHECK_FORCE)
    {
      g_debug ("accepted under force: %s", message);
      g_ptr_array_add (self->warnings, message);
      return TRUE;
    }
  g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
               _ ("%s (force the check only if you are sure the file is right)"), message);
  g_free (message);
  return FALSE;
}

OtaUfw *
ota_ufw_load (OtaFirmware *firmware, OtaUfwCheckFlags flags, GCancellable *cancellable,
              GError **error)
{
  g_autoptr (OtaUfw) self = NULL;
  g_autofree guint8 *table = NULL;
  g_autofree guint16 *crcs = NULL;
  g_autofree guint16 *crcs_size = NULL;
  guint8 raw_hdr[OTA_UFW_HEADER_SIZE];
  const OtaUfwEntry *script;
  guint64 table_end;
  gsize table_len;

  g_return_val_if_fail (OTA_IS_FIRMWARE (firmware), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  self = g_object_new (OTA_TYPE_UFW, NULL);
  self->size = ota_firmware_get_size (firmware);

  /* 1. the header, and the file length it promises */
  if (self->size < OTA_UFW_HEADER_SIZE)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   "the file is only %" G_GUINT64_FORMAT " bytes: too short for a UFW header "
                   "(%u bytes)",
                   self->size, (guint) OTA_UFW_HEADER_SIZE);
      return NULL;
    }
  if (!ota_firmware_read_at (firmware, 0, raw_hdr, sizeof raw_hdr, error))
    return NULL;
  if (!ota_ufw_header_decode (raw_hdr, &self->header, error))
    return NULL;
  if (self->header.total_size != self->size)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   "the header gives a file size of %u bytes, but the file has %" G_GUINT64_FORMAT
                   " bytes: it was cut short or changed (copy it again)",
                   self->header.total_size, self->size);
      return NULL;
    }
  table_len = (gsize) self->header.entry_count * OTA_UFW_ENTRY_SIZE;
  table_end = OTA_UFW_HEADER_SIZE + (guint64) table_len;
  if (table_end > self->size)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   "the header lists %u entries, which need %" G_GUINT64_FORMAT
                   " bytes, but the file has only %" G_GUINT64_FORMAT " bytes",
                   self->header.entry_count, table_end, self->size);
      return NULL;
    }

  /* 2. and 3. the entry table: CRC and bounds */
  table = g_malloc (MAX (table_len, 1));
  if (!ota_firmware_read_at (firmware, OTA_UFW_HEADER_SIZE, table, table_len, error))
    return NULL;
  self->entries = ota_ufw_table_decode (&self->header, table, table_len, self->size, error);
  if (self->entries == NULL)
    return NULL;
  self->n_entries = self->header.entry_count;

  /* 3. every entry's data, and the SHA-256 of the file, in one pass */
  crcs = g_new0 (guint16, (gsize) self->n_entries + 1);
  crcs_size = g_new0 (guint16, (gsize) self->n_entries + 1);
  self->spans = g_new0 (OtaUfwCrcSpan, (gsize) self->n_entries + 1);
  if (!ufw_scan (self, firmware, crcs, crcs_size, cancellable, error))
    return NULL;
  for (guint i = 0; i < self->n_entries; i++)
    {
      if (!ufw_check_entry_crc (self, i, crcs[i], crcs_size[i], error))
        return NULL;
    }
  self->span = ufw_file_span (self);

  /* 4. what a single-backup upgrade needs; the user may override these */
  if (ota_ufw_find_entry (self, OTA_UFW_TYPE_OTA_LOADER) == NULL
      && !ufw_soft_fail (self, flags, error,
                         g_strdup ("the file has no ota.bin (type 100) entry: without it the "
                                   "device cannot run stage two of the upgrade")))
    return NULL;
  if (!ota_ufw_chip_is_known (self->header.chip)
      && !ufw_soft_fail (
          self, flags, error,
          g_strdup_printf ("the file is for chip '%s', not an AC79 chip", self->header.chip)))
    return NULL;

  /* 5. what to show */
  script = ota_ufw_find_entry (self, OTA_UFW_TYPE_SCRIPT_VER);
  if (script != NULL)
    {
      g_autoptr (GError) local_error = NULL;

      self->version = ufw_read_version (firmware, script, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

const OtaUfwHeader *
ota_ufw_get_header (OtaUfw *self)
{
  g_return_val_if_fail (OTA_IS_UFW (self), NULL);

  return &self->header;
}

guint
ota_ufw_get_n_entries (OtaUfw *self)
{
  g_return_val_if_fail (OTA_IS_UFW (self), 0);

  return self->n_entries;
}

const OtaUfwEntry *
ota_ufw_get_entry (OtaUfw *self, guint idx)
{
  g_return_val_if_fail (OTA_IS_UFW (self), NULL);
  g_return_val_if_fail (idx < self->n_entries, NULL);

  return &self->entries[idx];
}

const OtaUfwEntry *
ota_ufw_find_entry (OtaUfw *self, guint16 type)
{
  g_return_val_if_fail (OTA_IS_UFW (self), NULL);

  for (guint i = 0; i < self->n_entries; i++)
    {
      if (self->entries[i].type == type)
        return &self->entries[i];
    }
  return NULL;
}

const gchar *
ota_ufw_get_chip (OtaUfw *self)
{
  g_return_val_if_fail (OTA_IS_UFW (self), NULL);

  return self->header.chip;
}

const gchar *
ota_ufw_get_version (OtaUfw *self)
{
  g_return_val_if_fail (OTA_IS_UFW (self), NULL);

  return self->version;
}

const gchar *
ota_ufw_get_sha256 (OtaUfw *self)
{
  g_return_val_if_fail (OTA_IS_UFW (self), NULL);

  return self->sha256;
}

guint64
ota_ufw_get_size (OtaUfw *self)
{
  g_return_val_if_fail (OTA_IS_UFW (self), 0);

  return self->size;
}

OtaUfwCrcSpan
ota_ufw_get_crc_span (OtaUfw *self)
{
  g_return_val_if_fail (OTA_IS_UFW (self), OTA_UFW_CRC_SPAN_BOTH);

  return self->span;
}

OtaUfwCrcSpan
ota_ufw_get_entry_crc_span (OtaUfw *self, guint idx)
{
  g_return_val_if_fail (OTA_IS_UFW (self), OTA_UFW_CRC_SPAN_BOTH);
  g_return_val_if_fail (idx < self->n_entries, OTA_UFW_CRC_SPAN_BOTH);

  return self->spans[idx];
}

GPtrArray *
ota_ufw_get_warnings (OtaUfw *self)
{
  g_return_val_if_fail (OTA_IS_UFW (self), NULL);

  return self->warnings;
}
