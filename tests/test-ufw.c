/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

#include <string.h>
#include <glib/gstdio.h>

#include "ota-error.h"
#include "ota-firmware.h"
#include "ota-net-header.h"
#include "ota-ufw.h"
#include "ota-ufw-builder.h"
#include "ota-ufw-codec.h"

static gchar *tmp_dir;

static gchar *
tmp_path (const gchar *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static gchar *
build (const OtaUfwBuildOptions *opts, const gchar *name)
{
  g_autoptr (GError) error = NULL;
  gchar *path = tmp_path (name);

  g_assert_true (ota_ufw_build_file (opts, path, &error));
  g_assert_no_error (error);
  return path;
}

static OtaUfw *
load (const gchar *path, OtaUfwCheckFlags flags, GError **error)
{
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (GError) local_error = NULL;

  fw = ota_firmware_open (path, &local_error);
  g_assert_no_error (local_error);
  return ota_ufw_load (fw, flags, NULL, error);
}

static void
test_crc16 (void)
{
  const guint8 *check = (const guint8 *) "123456789";

  g_assert_cmphex (ota_crc16 (0, check, 9), ==, 0x31C3);
  /* continued in pieces, the same */
  g_assert_cmphex (ota_crc16 (ota_crc16 (0, check, 4), check + 4, 5), ==, 0x31C3);
  g_assert_cmphex (ota_crc16 (0, (const guint8 *) "A", 1), ==, 0x58E5);
  g_assert_cmphex (ota_crc16 (0, NULL, 0), ==, 0);
  g_assert_cmphex (ota_crc16 (0x1234, NULL, 0), ==, 0x1234);
}

/* Bit by bit, straight from the definition. */
static guint16
crc16_bitwise (guint16 crc, const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      crc ^= (guint16) (data[i] << 8);
      for (guint bit = 0; bit < 8; bit++)
        crc = (guint16) ((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
  return crc;
}

static void
test_crc16_random (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (16);
  guint8 buf[4096];

  for (gsize i = 0; i < sizeof buf; i++)
    buf[i] = (guint8) g_rand_int (rand);
  for (gsize off = 0; off < 9; off++)
    for (gsize len = 0; len < 100; len++)
      g_assert_cmphex (ota_crc16 (0, buf + off, len), ==, crc16_bitwise (0, buf + off, len));
  for (guint i = 0; i < 200; i++)
    {
      gsize off = g_rand_int_range (rand, 0, 64);
      gsize len = g_rand_int_range (rand, 0, (gint32) (sizeof buf - off));
      guint16 start = (guint16) g_rand_int (rand);

      g_assert_cmphex (ota_crc16 (start, buf + off, len), ==,
                       crc16_bitwise (start, buf + off, len));
    }
}

static void
test_scramble_vector (void)
{
  /* the key stream itself: zeros scrambled from 0xFFFF */
  static const guint8 stream[16] = {
    0xff, 0xdf, 0x9f, 0x1f, 0x1f, 0x3e, 0x7c, 0xf8, 0xf0, 0xc1, 0xa3, 0x67, 0xce, 0xbd, 0x5b, 0x97,
  };
  /* "flash.bin" as it sits scrambled in an entry name... descrambled */
  static const guint8 scrambled[9] = { 0x99, 0xb3, 0xfe, 0x6c, 0x77, 0x10, 0x1e, 0x91, 0x9e };
  guint8 buf[16] = { 0 };
  guint8 name[9];
  guint16 key;

  key = ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, buf, sizeof buf);
  g_assert_cmpmem (buf, sizeof buf, stream, sizeof stream);
  g_assert_cmphex (key, ==, 0x1d0f);

  memcpy (name, scrambled, sizeof name);
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, name, sizeof name);
  g_assert_cmpmem (name, sizeof name, "flash.bin", 9);
}

static void
test_scramble_round_trip (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (79);
  guint8 orig[1000];
  guint8 buf[1000];
  guint8 once[1000];
  guint16 key;

  for (gsize i = 0; i < sizeof orig; i++)
    orig[i] = (guint8) g_rand_int (rand);
  memcpy (buf, orig, sizeof buf);
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, buf, sizeof buf);
  g_assert_true (memcmp (buf, orig, sizeof buf) != 0);
  memcpy (once, buf, sizeof once);
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, buf, sizeof buf);
  g_assert_cmpmem (buf, sizeof buf, orig, sizeof orig);

  /* continuing with the returned key is the same as one call */
  memcpy (buf, orig, sizeof buf);
  key = ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, buf, 333);
  ota_ufw_scramble (key, buf + 333, sizeof buf - 333);
  g_assert_cmpmem (buf, sizeof buf, once, sizeof once);
}

/* A header made by hand here, not by the builder. */
static void
test_header_decode (void)
{
  guint8 raw[OTA_UFW_HEADER_SIZE] = { 0 };
  OtaUfwHeader hdr;
  guint16 crc;
  g_autoptr (GError) error = NULL;

  raw[2] = 0x34;
  raw[3] = 0x12; /* list_crc 0x1234 */
  raw[4] = 0x78;
  raw[5] = 0x56;
  raw[6] = 0x04; /* total 0x045678 */
  raw[8] = 2;    /* 2 entries */
  raw[10] = 3;
  raw[13] = 0x02; /* 0x200 */
  memcpy (raw + 0x10, "AC791N", 6);
  crc = ota_crc16 (0, raw + 2, sizeof raw - 2);
  raw[0] = crc & 0xFF;
  raw[1] = crc >> 8;
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, raw, sizeof raw);

  g_assert_true (ota_ufw_header_decode (raw, &hdr, &error));
  g_assert_no_error (error);
  g_assert_cmphex (hdr.hdr_crc, ==, crc);
  g_assert_cmphex (hdr.list_crc, ==, 0x1234);
  g_assert_cmpuint (hdr.total_size, ==, 0x045678);
  g_assert_cmpuint (hdr.entry_count, ==, 2);
  g_assert_cmpuint (hdr.unknown_0a, ==, 3);
  g_assert_cmphex (hdr.unknown_0c, ==, 0x200);
  g_assert_cmpstr (hdr.chip, ==, "AC791N");

  raw[0x20] ^= 0x40; /* a chip name byte */
  g_assert_false (ota_ufw_header_decode (raw, &hdr, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_nonnull (strstr (error->message, "header CRC 0x"));
}

static void
test_entry_decode (void)
{
  guint8 raw[OTA_UFW_ENTRY_SIZE] = { 0 };
  OtaUfwEntry e;

  raw[0] = 100; /* type */
  raw[2] = 1;   /* index */
  raw[4] = 0xCD;
  raw[5] = 0xAB; /* crc */
  raw[8] = 0x30;
  raw[9] = 0x01; /* offset 0x130 */
  raw[12] = 0x01;
  raw[13] = 0x10; /* size 0x1001 */
  raw[16] = 0x10;
  raw[17] = 0x10; /* size2 0x1010 */
  memcpy (raw + 0x40, "ota.bin", 7);
  raw[0x48] = 0x01; /* a control byte after the name... */
  raw[0x47] = 0x07; /* ...and one inside: shown as '?' */
  ota_ufw_scramble (OTA_UFW_SCRAMBLE_KEY, raw, sizeof raw);
  ota_ufw_entry_decode (raw, &e);
  g_assert_cmpuint (e.type, ==, OTA_UFW_TYPE_OTA_LOADER);
  g_assert_cmpuint (e.index, ==, 1);
  g_assert_cmphex (e.data_crc, ==, 0xABCD);
  g_assert_cmphex (e.offset, ==, 0x130);
  g_assert_cmphex (e.size, ==, 0x1001);
  g_assert_cmphex (e.size2, ==, 0x1010);
  g_assert_cmpstr (e.name, ==, "ota.bin??");
}

static void
assert_sha256_of_file (const gchar *path, const gchar *sha)
{
  g_autofree gchar *contents = NULL;
  gsize len;
  g_autofree gchar *expect = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  expect = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  g_assert_cmpstr (sha, ==, expect);
}

static void
test_round_trip_odd_size (void)
{
  OtaUfwBuildOptions opts;
  g_autofree gchar *path = NULL;
  g_autofree gchar *contents = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;
  const OtaUfwEntry *e;
  const OtaUfwHeader *hdr;
  gsize len;
  guint64 table_end = OTA_UFW_HEADER_SIZE + 3 * OTA_UFW_ENTRY_SIZE;

  ota_ufw_build_options_init (&opts);
  opts.flash_size = 100003;
  opts.ota_size = 4097;
  opts.seed = 7;
  opts.version = " 2.3.4\r\n";
  path = build (&opts, "odd.ufw");

  ufw = load (path, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ufw);

  g_assert_cmpuint (ota_ufw_get_size (ufw), ==, table_end + 16 + 4112 + 100016);
  g_assert_cmpstr (ota_ufw_get_chip (ufw), ==, "AC791N");
  g_assert_cmpstr (ota_ufw_get_version (ufw), ==, "2.3.4");
  g_assert_cmpuint (ota_ufw_get_warnings (ufw)->len, ==, 0);
  hdr = ota_ufw_get_header (ufw);
  g_assert_cmpuint (hdr->total_size, ==, ota_ufw_get_size (ufw));
  g_assert_cmpuint (hdr->entry_count, ==, 3);
  g_assert_cmpuint (hdr->unknown_0a, ==, 3);
  g_assert_cmphex (hdr->unknown_0c, ==, 0x200);
  g_assert_cmpuint (ota_ufw_get_n_entries (ufw), ==, 3);

  e = ota_ufw_get_entry (ufw, 0);
  g_assert_cmpstr (e->name, ==, "script.ver");
  g_assert_cmpuint (e->type, ==, OTA_UFW_TYPE_SCRIPT_VER);
  g_assert_cmpuint (e->index, ==, 0);
  g_assert_cmpuint (e->offset, ==, table_end);
  g_assert_cmpuint (e->size, ==, 8);
  g_assert_cmpuint (e->size2, ==, 16);
  /* the device's first window holds header, table and version */
  g_assert_cmpuint (e->offset + e->size2, <=, OTA_NET_STAGE1_WINDOW);

  e = ota_ufw_get_entry (ufw, 1);
  g_assert_cmpstr (e->name, ==, "ota.bin");
  g_assert_cmpuint (e->type, ==, OTA_UFW_TYPE_OTA_LOADER);
  g_assert_cmpuint (e->offset, ==, table_end + 16);
  g_assert_cmpuint (e->size, ==, 4097);
  g_assert_cmpuint (e->size2, ==, 4112);
  g_assert_true (ota_ufw_find_entry (ufw, OTA_UFW_TYPE_OTA_LOADER) == e);

  e = ota_ufw_get_entry (ufw, 2);
  g_assert_cmpstr (e->name, ==, "flash.bin");
  g_assert_cmpuint (e->type, ==, OTA_UFW_TYPE_FLASH);
  g_assert_cmpuint (e->index, ==, 2);
  g_assert_cmpuint (e->offset, ==, table_end + 16 + 4112);
  g_assert_cmpuint (e->size, ==, 100003);
  g_assert_cmpuint (e->size2, ==, 100016);
  g_assert_null (ota_ufw_find_entry (ufw, OTA_UFW_TYPE_TAIL));

  assert_sha256_of_file (path, ota_ufw_get_sha256 (ufw));
  g_assert_cmpuint (strlen (ota_ufw_get_sha256 (ufw)), ==, 64);

  /* the stored bytes: CRC as in the table, 0xFF padding, the version text */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmphex (ota_crc16 (0, (const guint8 *) contents + e->offset, e->size2), ==, e->data_crc);
  for (guint i = e->size; i < e->size2; i++)
    g_assert_cmphex ((guint8) contents[e->offset + i], ==, 0xFF);
  g_assert_cmpmem (contents + table_end, 8, " 2.3.4\r\n", 8);
}

static void
test_deterministic (void)
{
  OtaUfwBuildOptions opts;
  g_autofree gchar *a = NULL;
  g_autofree gchar *b = NULL;
  g_autofree gchar *c = NULL;
  g_autoptr (OtaUfw) ua = NULL;
  g_autoptr (OtaUfw) ub = NULL;
  g_autoptr (OtaUfw) uc = NULL;
  g_autoptr (GError) error = NULL;

  ota_ufw_build_options_init (&opts);
  opts.flash_size = 5000;
  opts.ota_size = 100;
  a = build (&opts, "seed-a.ufw");
  b = build (&opts, "seed-b.ufw");
  opts.seed = 2;
  c = build (&opts, "seed-c.ufw");
  ua = load (a, OTA_UFW_CHECK_DEFAULT, &error);
  ub = load (b, OTA_UFW_CHECK_DEFAULT, &error);
  uc = load (c, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ota_ufw_get_sha256 (ua), ==, ota_ufw_get_sha256 (ub));
  g_assert_cmpstr (ota_ufw_get_sha256 (ua), !=, ota_ufw_get_sha256 (uc));
  g_assert_cmpuint (ota_ufw_find_entry (ua, OTA_UFW_TYPE_FLASH)->data_crc, !=,
                    ota_ufw_find_entry (uc, OTA_UFW_TYPE_FLASH)->data_crc);
  g_assert_cmpstr (ota_ufw_get_version (ua), ==, "1.0.1");
}

static void
test_no_version_and_empty_entries (void)
{
  OtaUfwBuildOptions opts;
  g_autofree gchar *path = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;

  ota_ufw_build_options_init (&opts);
  opts.version = NULL;
  opts.flash_size = 0;
  opts.ota_size = 0;
  path = build (&opts, "empty-entries.ufw");
  ufw = load (path, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ota_ufw_get_n_entries (ufw), ==, 2);
  g_assert_null (ota_ufw_get_version (ufw));
  g_assert_null (ota_ufw_find_entry (ufw, OTA_UFW_TYPE_SCRIPT_VER));
  g_assert_cmpuint (ota_ufw_get_size (ufw), ==, OTA_UFW_HEADER_SIZE + 2 * OTA_UFW_ENTRY_SIZE);
  g_assert_cmpstr (ota_ufw_get_entry (ufw, 0)->name, ==, "ota.bin");
  g_assert_cmpuint (ota_ufw_get_entry (ufw, 1)->size2, ==, 0);
}

typedef struct {
  OtaUfwCorruption kind;
  const gchar *expect;
} CorruptCase;

static const CorruptCase corrupt_cases[] = {
  { OTA_UFW_CORRUPT_TRUNCATED, "cut short" },
  { OTA_UFW_CORRUPT_HEADER_CRC, "header CRC 0x" },
  { OTA_UFW_CORRUPT_LIST_CRC, "entry table CRC 0x" },
  { OTA_UFW_CORRUPT_DATA_CRC, "entry 3 'flash.bin': data CRC 0x" },
  { OTA_UFW_CORRUPT_ENTRY_BOUNDS, "entry 3 'flash.bin': its data (100016 bytes at offset" },
  { OTA_UFW_CORRUPT_ENTRY_SIZE,
    "entry 3 'flash.bin': size 100001 is larger than its stored size 100000" },
  { OTA_UFW_CORRUPT_NO_OTA_BIN, "no ota.bin (type 100)" },
  { OTA_UFW_CORRUPT_UNKNOWN_CHIP, "chip 'AC700N', not an AC79 chip" },
  { OTA_UFW_CORRUPT_TOO_SHORT, "only 32 bytes: too short" },
  { OTA_UFW_CORRUPT_BAD_COUNT, "entries, which need" },
};

static void
test_corrupt (gconstpointer data)
{
  const CorruptCase *cc = data;
  OtaUfwBuildOptions opts;
  g_autofree gchar *name
      = g_strdup_printf ("corrupt-%s.ufw", ota_ufw_corruption_to_string (cc->kind));
  g_autofree gchar *path = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;

  ota_ufw_build_options_init (&opts);
  opts.flash_size = 100000;
  opts.ota_size = 5000;
  opts.corruption = cc->kind;
  path = build (&opts, name);

  ufw = load (path, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_null (ufw);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  if (strstr (error->message, cc->expect) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, cc->expect);
  g_test_message ("%s: %s", ota_ufw_corruption_to_string (cc->kind), error->message);

  /* force overrides the device checks, never the corruption checks */
  if (cc->kind != OTA_UFW_CORRUPT_NO_OTA_BIN && cc->kind != OTA_UFW_CORRUPT_UNKNOWN_CHIP)
    {
      g_autoptr (OtaUfw) forced = NULL;
      g_autoptr (GError) forced_error = NULL;

      forced = load (path, OTA_UFW_CHECK_FORCE, &forced_error);
      g_assert_null (forced);
      g_assert_error (forced_error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
      g_assert_cmpstr (forced_error->message, ==, error->message);
    }
}

/* The data CRC message names both values exactly. */
static void
test_corrupt_data_crc_values (void)
{
  OtaUfwBuildOptions opts;
  g_autofree gchar *path = NULL;
  g_autofree gchar *contents = NULL;
  g_autofree gchar *expect = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;
  OtaUfwEntry e;
  gsize len;

  ota_ufw_build_options_init (&opts);
  opts.flash_size = 3000;
  opts.corruption = OTA_UFW_CORRUPT_DATA_CRC;
  path = build (&opts, "data-crc-values.ufw");
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  ota_ufw_entry_decode ((const guint8 *) contents + OTA_UFW_HEADER_SIZE + 2 * OTA_UFW_ENTRY_SIZE,
                        &e);
  g_assert_cmpstr (e.name, ==, "flash.bin");
  g_assert_cmpuint (e.size, <, e.size2);
  expect = g_strdup_printf ("entry 3 'flash.bin': data CRC 0x%04X over its stored size (%u bytes) "
                            "and 0x%04X over its size (%u bytes), expected 0x%04X",
                            ota_crc16 (0, (const guint8 *) contents + e.offset, e.size2), e.size2,
                            ota_crc16 (0, (const guint8 *) contents + e.offset, e.size), e.size,
                            e.data_crc);
  ufw = load (path, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_true (g_str_has_prefix (error->message, expect));
}

/* ufw.md: the data CRC may cover the padded size2 (the SDK's sample files)
 * or the size the device's verify routine is given; both kinds are genuine,
 * and which one matched is recorded per entry and for the file. */
static void
test_crc_span (gconstpointer data)
{
  gboolean over_size = GPOINTER_TO_INT (data);
  OtaUfwBuildOptions opts;
  g_autofree gchar *path = NULL;
  g_autofree gchar *contents = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;
  const OtaUfwEntry *e;
  gsize len;

  ota_ufw_build_options_init (&opts);
  opts.flash_size = 100003; /* padded by 13 bytes */
  opts.ota_size = 4096;     /* a multiple of 16: both lengths are the same */
  opts.version = "1.0.1";   /* padded by 11 bytes */
  opts.crc_over_size = over_size;
  path = build (&opts, over_size ? "crc-over-size.ufw" : "crc-over-padded.ufw");
  ufw = load (path, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ufw);

  /* the file is what it claims to be: the CRC really is over that length */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  e = ota_ufw_find_entry (ufw, OTA_UFW_TYPE_FLASH);
  g_assert_cmpuint (e->size, <, e->size2);
  g_assert_cmphex (
      ota_crc16 (0, (const guint8 *) contents + e->offset, over_size ? e->size : e->size2), ==,
      e->data_crc);
  g_assert_cmphex (
      ota_crc16 (0, (const guint8 *) contents + e->offset, over_size ? e->size2 : e->size), !=,
      e->data_crc);

  g_assert_cmpint (ota_ufw_get_crc_span (ufw), ==,
                   over_size ? OTA_UFW_CRC_SPAN_SIZE : OTA_UFW_CRC_SPAN_PADDED);
  g_assert_cmpstr (ota_ufw_crc_span_to_string (ota_ufw_get_crc_span (ufw)), ==,
                   over_size ? "size" : "padded");
  for (guint i = 0; i < ota_ufw_get_n_entries (ufw); i++)
    {
      const OtaUfwEntry *ei = ota_ufw_get_entry (ufw, i);
      OtaUfwCrcSpan want = ei->size == ei->size2 ? OTA_UFW_CRC_SPAN_BOTH
                           : over_size           ? OTA_UFW_CRC_SPAN_SIZE
                                                 : OTA_UFW_CRC_SPAN_PADDED;

      g_assert_cmpint (ota_ufw_get_entry_crc_span (ufw, i), ==, want);
    }
  g_assert_cmpint (ota_ufw_get_entry_crc_span (ufw, 1), ==, OTA_UFW_CRC_SPAN_BOTH);
  g_assert_cmpstr (ota_ufw_get_version (ufw), ==, "1.0.1");
}

/* Neither length matches: refused, the message names both CRCs. */
static void
test_crc_span_neither (gconstpointer data)
{
  gboolean over_size = GPOINTER_TO_INT (data);
  OtaUfwBuildOptions opts;
  g_autofree gchar *path = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;

  ota_ufw_build_options_init (&opts);
  opts.flash_size = 100003;
  opts.crc_over_size = over_size;
  opts.corruption = OTA_UFW_CORRUPT_DATA_CRC;
  path = build (&opts, "crc-neither.ufw");
  ufw = load (path, OTA_UFW_CHECK_FORCE, &error);
  g_assert_null (ufw);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_nonnull (strstr (error->message, "over its stored size (100016 bytes) and 0x"));
  g_assert_nonnull (strstr (error->message, "over its size (100003 bytes), expected 0x"));
}

static void
test_crc_span_names (void)
{
  g_assert_cmpstr (ota_ufw_crc_span_to_string (OTA_UFW_CRC_SPAN_BOTH), ==, "both");
  g_assert_cmpstr (ota_ufw_crc_span_to_string (OTA_UFW_CRC_SPAN_MIXED), ==, "mixed");
}

/* Some tools pad script.ver with NULs: the version ends at the first one
 * (no U+FFFD garbage, no false version mismatch). */
static void
test_version_nul_padded (void)
{
  OtaUfwBuildOptions opts;
  g_autofree gchar *path = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;

  ota_ufw_build_options_init (&opts);
  opts.version = "1.0.2";
  opts.version_nul_pad = 27;
  path = build (&opts, "version-nul.ufw");
  ufw = load (path, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ota_ufw_find_entry (ufw, OTA_UFW_TYPE_SCRIPT_VER)->size, ==, 5 + 27);
  g_assert_cmpstr (ota_ufw_get_version (ufw), ==, "1.0.2");
}

static void
test_force (gconstpointer data)
{
  OtaUfwCorruption kind = GPOINTER_TO_INT (data);
  OtaUfwBuildOptions opts;
  g_autofree gchar *path = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *warnings;

  ota_ufw_build_options_init (&opts);
  opts.flash_size = 20000;
  opts.ota_size = 300;
  opts.corruption = kind;
  path = build (&opts, "force.ufw");
  ufw = load (path, OTA_UFW_CHECK_FORCE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ufw);
  warnings = ota_ufw_get_warnings (ufw);
  g_assert_cmpuint (warnings->len, ==, 1);
  if (kind == OTA_UFW_CORRUPT_NO_OTA_BIN)
    {
      g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), "no ota.bin"));
      g_assert_null (ota_ufw_find_entry (ufw, OTA_UFW_TYPE_OTA_LOADER));
      g_assert_cmpuint (ota_ufw_get_n_entries (ufw), ==, 2);
    }
  else
    {
      g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), "AC700N"));
      g_assert_cmpstr (ota_ufw_get_chip (ufw), ==, "AC700N");
      g_assert_false (ota_ufw_chip_is_known (ota_ufw_get_chip (ufw)));
    }
  assert_sha256_of_file (path, ota_ufw_get_sha256 (ufw));
}

static void
test_chip_names (void)
{
  OtaUfwBuildOptions opts;
  g_autofree gchar *path = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (ota_ufw_chip_is_known ("AC791N"));
  g_assert_true (ota_ufw_chip_is_known ("ac7911b"));
  g_assert_false (ota_ufw_chip_is_known ("AC7"));
  g_assert_false (ota_ufw_chip_is_known ("AC700N"));
  g_assert_false (ota_ufw_chip_is_known (""));
  g_assert_false (ota_ufw_chip_is_known (NULL));

  ota_ufw_build_options_init (&opts);
  opts.chip = "AC7916A";
  opts.flash_size = 64;
  path = build (&opts, "chip.ufw");
  ufw = load (path, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ota_ufw_get_chip (ufw), ==, "AC7916A");
}

static void
test_not_a_ufw (void)
{
  g_autofree gchar *path = tmp_path ("random.bin");
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;
  gchar buf[4096];

  for (gsize i = 0; i < sizeof buf; i++)
    buf[i] = (gchar) g_rand_int (rand);
  g_assert_true (g_file_set_contents (path, buf, sizeof buf, NULL));
  ufw = load (path, OTA_UFW_CHECK_FORCE, &error);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_nonnull (strstr (error->message, "not a UFW"));
}

static void
test_cancel (void)
{
  OtaUfwBuildOptions opts;
  g_autofree gchar *path = NULL;
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;

  ota_ufw_build_options_init (&opts);
  path = build (&opts, "cancel.ufw");
  fw = ota_firmware_open (path, &error);
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  ufw = ota_ufw_load (fw, OTA_UFW_CHECK_DEFAULT, cancellable, &error);
  g_assert_null (ufw);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_corruption_names (void)
{
  OtaUfwCorruption c;
  guint n = 0;

  for (c = OTA_UFW_CORRUPT_NONE; ota_ufw_corruption_to_string (c) != NULL; c++)
    {
      OtaUfwCorruption back = -1;

      g_assert_true (ota_ufw_corruption_from_string (ota_ufw_corruption_to_string (c), &back));
      g_assert_cmpint (back, ==, c);
      g_assert_nonnull (ota_ufw_corruption_describe (c));
      n++;
    }
  g_assert_cmpuint (n, ==, OTA_UFW_CORRUPT_BAD_COUNT + 1);
  g_assert_cmpstr (ota_ufw_corruption_to_string (OTA_UFW_CORRUPT_HEADER_CRC), ==, "header-crc");
  g_assert_true (ota_ufw_corruption_from_string ("no-ota-bin", &c));
  g_assert_cmpint (c, ==, OTA_UFW_CORRUPT_NO_OTA_BIN);
  g_assert_false (ota_ufw_corruption_from_string ("header_crc", &c));
  g_assert_false (ota_ufw_corruption_from_string ("", &c));
}

/* The command-line generator, as the other test programs use it. */
static void
test_mkufw (void)
{
  const gchar *mkufw = g_getenv ("OTA_TEST_MKUFW");
  g_autofree gchar *path = tmp_path ("mkufw.ufw");
  g_autofree gchar *broken = tmp_path ("mkufw-broken.ufw");
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;
  gint status = -1;

  if (mkufw == NULL || !g_file_test (mkufw, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("OTA_TEST_MKUFW is not set or not built (run through ctest)");
      return;
    }
  {
    const gchar *argv[]
        = { mkufw,   "--flash-size", "3K",      "--ota-size", "100",  "--seed", "5", "--version",
            "9.8.7", "--chip",       "AC7916A", "--crc-over", "size", path,     NULL };

    g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_exit_status (status, NULL));
    g_assert_nonnull (strstr (out, "flash.bin 3072 bytes"));
  }
  ufw = load (path, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ota_ufw_get_version (ufw), ==, "9.8.7");
  g_assert_cmpstr (ota_ufw_get_chip (ufw), ==, "AC7916A");
  g_assert_cmpuint (ota_ufw_find_entry (ufw, OTA_UFW_TYPE_FLASH)->size, ==, 3072);
  g_assert_cmpuint (ota_ufw_find_entry (ufw, OTA_UFW_TYPE_OTA_LOADER)->size, ==, 100);
  g_assert_cmpint (ota_ufw_get_crc_span (ufw), ==, OTA_UFW_CRC_SPAN_SIZE);
  g_assert_nonnull (strstr (out, "CRC over size"));
  g_clear_object (&ufw);

  {
    const gchar *argv[] = { mkufw, "--corrupt", "list-crc", "--no-version", broken, NULL };

    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_true (g_spawn_check_exit_status (status, NULL));
  }
  ufw = load (broken, OTA_UFW_CHECK_DEFAULT, &error);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_nonnull (strstr (error->message, "entry table CRC"));
  g_clear_error (&error);

  {
    const gchar *argv[] = { mkufw, "--corrupt", "no-such-kind", broken, NULL };

    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_false (g_spawn_check_exit_status (status, NULL));
    g_assert_nonnull (strstr (err, "no-such-kind"));
  }
}

static void
remove_tmp_dir (void)
{
  g_autoptr (GDir) dir = g_dir_open (tmp_dir, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = tmp_path (name);
      g_unlink (path);
    }
  g_rmdir (tmp_dir);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("otaflash-test-ufw-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/ota/ufw/crc16", test_crc16);
  g_test_add_func ("/ota/ufw/crc16/random", test_crc16_random);
  g_test_add_func ("/ota/ufw/scramble/vector", test_scramble_vector);
  g_test_add_func ("/ota/ufw/scramble/round-trip", test_scramble_round_trip);
  g_test_add_func ("/ota/ufw/header/decode", test_header_decode);
  g_test_add_func ("/ota/ufw/entry/decode", test_entry_decode);
  g_test_add_func ("/ota/ufw/round-trip/odd-size", test_round_trip_odd_size);
  g_test_add_func ("/ota/ufw/round-trip/deterministic", test_deterministic);
  g_test_add_func ("/ota/ufw/round-trip/no-version-empty-entries",
                   test_no_version_and_empty_entries);
  for (gsize i = 0; i < G_N_ELEMENTS (corrupt_cases); i++)
    {
      g_autofree gchar *test_path = g_strdup_printf (
          "/ota/ufw/corrupt/%s", ota_ufw_corruption_to_string (corrupt_cases[i].kind));
      g_test_add_data_func (test_path, &corrupt_cases[i], test_corrupt);
    }
  g_test_add_func ("/ota/ufw/corrupt/data-crc-values", test_corrupt_data_crc_values);
  g_test_add_data_func ("/ota/ufw/crc-span/padded", GINT_TO_POINTER (FALSE), test_crc_span);
  g_test_add_data_func ("/ota/ufw/crc-span/size", GINT_TO_POINTER (TRUE), test_crc_span);
  g_test_add_data_func ("/ota/ufw/crc-span/neither-padded-file", GINT_TO_POINTER (FALSE),
                        test_crc_span_neither);
  g_test_add_data_func ("/ota/ufw/crc-span/neither-size-file", GINT_TO_POINTER (TRUE),
                        test_crc_span_neither);
  g_test_add_func ("/ota/ufw/crc-span/names", test_crc_span_names);
  g_test_add_func ("/ota/ufw/version/nul-padded", test_version_nul_padded);
  g_test_add_data_func ("/ota/ufw/force/no-ota-bin", GINT_TO_POINTER (OTA_UFW_CORRUPT_NO_OTA_BIN),
                        test_force);
  g_test_add_data_func ("/ota/ufw/force/unknown-chip",
                        GINT_TO_POINTER (OTA_UFW_CORRUPT_UNKNOWN_CHIP), test_force);
  g_test_add_func ("/ota/ufw/chip-names", test_chip_names);
  g_test_add_func ("/ota/ufw/not-a-ufw", test_not_a_ufw);
  g_test_add_func ("/ota/ufw/cancel", test_cancel);
  g_test_add_func ("/ota/ufw/corruption-names", test_corruption_names);
  g_test_add_func ("/ota/ufw/mkufw", test_mkufw);

  ret = g_test_run ();
  remove_tmp_dir ();
  g_free (tmp_dir);
  return ret;
}
