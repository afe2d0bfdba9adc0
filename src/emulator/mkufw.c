/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaMkufw"

/* otaflash-mkufw: writes .ufw test files, valid or broken on purpose, of any
 * size, from seeded pseudo-random data. Never vendor firmware. */

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ota-error.h"
#include "ota-ufw-builder.h"

#define EXIT_USAGE 2

/* "256K", "1M", "3G", "12345": bytes, with binary suffixes. */
static gboolean
parse_size (const gchar *text, guint64 *out, GError **error)
{
  g_autofree gchar *s = g_strstrip (g_strdup (text));
  gsize len = strlen (s);
  guint shift = 0;
  guint64 value;

  if (len > 0)
    {
      switch (g_ascii_toupper (s[len - 1]))
        {
        case 'K':
          shift = 10;
          break;
        case 'M':
          shift = 20;
          break;
        case 'G':
          shift = 30;
          break;
        default:
          break;
        }
      if (shift != 0)
        s[--len] = '\0';
    }
  if (len == 0 || !g_ascii_isdigit (s[0])
      || !g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64 >> shift, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "'%s' is not a size (bytes, or a number followed by K, M or G)", text);
      return FALSE;
    }
  *out = value << shift;
  return TRUE;
}

static guint64 flash_size = 256 * 1024;
static guint64 ota_size = 64 * 1024;
static guint32 seed = 1;
static OtaUfwCorruption corruption = OTA_UFW_CORRUPT_NONE;
static gboolean crc_over_size = FALSE;

static gboolean
crc_over_cb (const gchar *name, const gchar *value, gpointer data, GError **error)
{
  if (g_strcmp0 (value, "padded") == 0)
    crc_over_size = FALSE;
  else if (g_strcmp0 (value, "size") == 0)
    crc_over_size = TRUE;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "'%s' is not a CRC length: give 'padded' or 'size'", value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
flash_size_cb (const gchar *name, const gchar *value, gpointer data, GError **error)
{
  return parse_size (value, &flash_size, error);
}

static gboolean
ota_size_cb (const gchar *name, const gchar *value, gpointer data, GError **error)
{
  return parse_size (value, &ota_size, error);
}

static gboolean
seed_cb (const gchar *name, const gchar *value, gpointer data, GError **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &v, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "'%s' is not a seed (0 to %u)",
                   value, G_MAXUINT32);
      return FALSE;
    }
  seed = (guint32) v;
  return TRUE;
}

static gboolean
corrupt_cb (const gchar *name, const gchar *value, gpointer data, GError **error)
{
  if (!ota_ufw_corruption_from_string (value, &corruption))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown corruption '%s' (see --help for the list)", value);
      return FALSE;
    }
  return TRUE;
}

static gchar *
help_description (void)
{
  GString *s = g_string_new ("Corruption kinds (--corrupt):\n");

  for (OtaUfwCorruption c = OTA_UFW_CORRUPT_NONE; ota_ufw_corruption_to_string (c) != NULL; c++)
    g_string_append_printf (s, "  %-14s %s\n", ota_ufw_corruption_to_string (c),
                            ota_ufw_corruption_describe (c));
  g_string_append (s, "\nLayout: header, entry table, script.ver (unless --no-version), ota.bin,\n"
                      "flash.bin; each entry padded with 0xFF to a multiple of 16 bytes.\n"
                      "Each data CRC covers the padded bytes, or with --crc-over size only\n"
                      "the entry's real size (a flasher must accept both).\n"
                      "The same options and seed always give the same file.\n"
                      "\nExamples:\n"
                      "  otaflash-mkufw test.ufw\n"
                      "  otaflash-mkufw --flash-size 4M --seed 7 --version 1.0.2 new.ufw\n"
                      "  otaflash-mkufw --corrupt data-crc broken.ufw\n"
                      "\nExit status: 0 written, 1 could not write, 2 bad usage.");
  return g_string_free (s, FALSE);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *version = NULL;
  g_autofree gchar *chip = NULL;
  gboolean no_version = FALSE;
  g_auto (GStrv) args = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *description = NULL;
  g_autoptr (GString) summary = NULL;
  OtaUfwBuildOptions opts;
  GStatBuf st;
  const GOptionEntry entries[]
      = { { "flash-size", 'f', 0, G_OPTION_ARG_CALLBACK, flash_size_cb,
            "Bytes of flash.bin, with K/M/G suffixes (default 256K)", "N" },
          { "ota-size", 'o', 0, G_OPTION_ARG_CALLBACK, ota_size_cb,
            "Bytes of ota.bin, the OTA loader (default 64K)", "N" },
          { "seed", 's', 0, G_OPTION_ARG_CALLBACK, seed_cb,
            "Seed of the pseudo-random data (default 1)", "N" },
          { "version", 'v', 0, G_OPTION_ARG_STRING, &version,
            "Text of script.ver (default 1.0.1); given alone, prints the program version", "V" },
          { "no-version", 0, 0, G_OPTION_ARG_NONE, &no_version, "Write no script.ver entry", NULL },
          { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip, "Chip name in the header (default AC791N)",
            "NAME" },
          { "crc-over", 0, 0, G_OPTION_ARG_CALLBACK, crc_over_cb,
            "What each data CRC covers: 'padded' (the stored size, default) or 'size' (the real "
            "size, as the device's own verify)",
            "LEN" },
          { "corrupt", 'x', 0, G_OPTION_ARG_CALLBACK, corrupt_cb,
            "Break the file on purpose, see the list below", "KIND" },
          { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, "OUTPUT.ufw" },
          { NULL } };

  setlocale (LC_ALL, "");

  /* --version takes the script.ver text; on its own it is the usual
   * "which program is this" */
  if (argc == 2 && g_strcmp0 (argv[1], "--version") == 0)
    {
      g_print ("otaflash-mkufw %s\n", OTA_VERSION);
      return EXIT_SUCCESS;
    }

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Writes a JieLi .ufw firmware container for tests and demos:\n"
                                "seeded pseudo-random flash.bin and ota.bin, a script.ver, and\n"
                                "on request one kind of damage. Never real vendor firmware.");
  description = help_description ();
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("otaflash-mkufw: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (args == NULL || g_strv_length (args) != 1)
    {
      g_printerr ("otaflash-mkufw: give exactly one output file (see --help)\n");
      return EXIT_USAGE;
    }
  if (no_version && version != NULL)
    {
      g_printerr ("otaflash-mkufw: --version and --no-version exclude each other\n");
      return EXIT_USAGE;
    }

  ota_ufw_build_options_init (&opts);
  opts.flash_size = flash_size;
  opts.ota_size = ota_size;
  opts.seed = seed;
  if (no_version)
    opts.version = NULL;
  else if (version != NULL)
    opts.version = version;
  opts.chip = chip;
  opts.corruption = corruption;
  opts.crc_over_size = crc_over_size;

  if (!ota_ufw_build_file (&opts, args[0], &error))
    {
      g_printerr ("otaflash-mkufw: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* one summary line */
  summary = g_string_new (args[0]);
  if (g_stat (args[0], &st) == 0)
    g_string_append_printf (summary, ": %" G_GUINT64_FORMAT " bytes", (guint64) st.st_size);
  if (corruption != OTA_UFW_CORRUPT_UNKNOWN_CHIP)
    g_string_append_printf (summary, ", chip %s", chip != NULL ? chip : "AC791N");
  if (opts.version != NULL)
    g_string_append_printf (summary, ", script.ver '%s'", opts.version);
  else
    g_string_append (summary, ", no script.ver");
  if (corruption != OTA_UFW_CORRUPT_NO_OTA_BIN)
    g_string_append_printf (summary, ", ota.bin %" G_GUINT64_FORMAT " bytes", opts.ota_size);
  g_string_append_printf (
      summary, ", flash.bin %" G_GUINT64_FORMAT " bytes, seed %u, CRC over %s, %s", opts.flash_size,
      opts.seed, crc_over_size ? "size" : "padded",
      corruption == OTA_UFW_CORRUPT_NONE ? "valid" : ota_ufw_corruption_to_string (corruption));
  g_print ("%s\n", summary->str);
  return EXIT_SUCCESS;
}
