/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-options.h"

#include <stdio.h>
#include <string.h>

#include "ota-platform.h"

/* Every option as GOption writes it, before the checks. */
typedef struct {
  gchar *host;
  gchar *state_dir;
  gchar *events;
  gchar *sdk;
  gchar *installed_version;
  gchar *installed_ufw;
  gint devices;
  gchar *ssid;
  gchar *updater_wifi;
  gchar **fault_specs;
  gint ctp_port, http_port, ota_port;
  gdouble time_scale, bandwidth, latency_ms, flash_rate, erase_pause_ms, erase_rate;
  gint64 erase_every;
  gboolean strict, listen_at_boot, start_in_loader, verbose, version, control_stdin, wifi_gate;
} RawOptions;

static void
raw_options_clear (RawOptions *raw)
{
  g_free (raw->host);
  g_free (raw->state_dir);
  g_free (raw->events);
  g_free (raw->sdk);
  g_free (raw->installed_version);
  g_free (raw->installed_ufw);
  g_free (raw->ssid);
  g_free (raw->updater_wifi);
  g_strfreev (raw->fault_specs);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RawOptions, raw_options_clear)

static gboolean bad_value (GError **error, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_value (GError **error, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    *error = g_error_new_valist (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, format, args);
  va_end (args);
  return FALSE;
}

static gboolean
check_port (gint value, const gchar *name, guint16 *out, GError **error)
{
  if (value < 0 || value > G_MAXUINT16)
    return bad_value (error, "--%s must be a port number from 0 to 65535 (0 picks a free port)",
                      name);
  *out = (guint16) value;
  return TRUE;
}

static gboolean
check_non_negative (gdouble value, const gchar *name, GError **error)
{
  if (!(value >= 0.0))
    return bad_value (error, "--%s must not be negative", name);
  return TRUE;
}

/* An SSID is 1..32 bytes; control characters would break the READY line. */
static gboolean
check_ssid (const gchar *ssid, GError **error)
{
  gsize len = strlen (ssid);

  if (len == 0 || len > 32)
    return bad_value (error, "--ssid must be 1 to 32 bytes long");
  for (const gchar *p = ssid; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      return bad_value (error, "--ssid must not contain control characters");
  return TRUE;
}

static gboolean
check_raw (const RawOptions *raw, GError **error)
{
  if (!check_non_negative (raw->bandwidth, "link-bandwidth", error)
      || !check_non_negative (raw->latency_ms, "link-latency-ms", error)
      || !check_non_negative (raw->flash_rate, "flash-rate", error)
      || !check_non_negative (raw->erase_pause_ms, "erase-pause-ms", error)
      || !check_non_negative (raw->erase_rate, "erase-rate", error))
    return FALSE;
  if (!(raw->time_scale >= 0.0) || raw->time_scale > 1000.0)
    return bad_value (error, "--time-scale must be a number from 0 (no device delays) to 1000 "
                             "(1 = real time)");
  if (raw->erase_every <= 0)
    return bad_value (error, "--erase-every must be at least 1 byte");
  if (raw->sdk != NULL && g_strcmp0 (raw->sdk, "1.1") != 0 && g_strcmp0 (raw->sdk, "current") != 0)
    return bad_value (error, "--sdk knows 1.1 (V1.1.0) and current");
  if (raw->updater_wifi != NULL && g_strcmp0 (raw->updater_wifi, "keep") != 0
      && g_strcmp0 (raw->updater_wifi, "open") != 0)
    return bad_value (error, "--updater-wifi is keep (the product's SSID) or open (WIFI_OTA_...)");
  if (raw->ssid != NULL && !check_ssid (raw->ssid, error))
    return FALSE;
  if (raw->devices < 0 || raw->devices > 100000)
    return bad_value (error, "--devices must be a number from 1 to 100000");
  if (raw->wifi_gate && !raw->control_stdin)
    return bad_value (error, "--wifi-gate needs --control-stdin (the \"joined\" lines open it)");
  return TRUE;
}

static const gchar summary[]
    = "Listens like a JieLi AC79 Wi-Fi device doing the single-backup network OTA: CTP\n"
      "control (3333), HTTP description (8080) and OTA data (3335), main firmware and\n"
      "stage-two updater. Prints \"READY ctp=N http=N ota=N ssid=NAME\" once it accepts\n"
      "connections. Every break of the device-safety rules S1-S6 is logged as a violation.";

static const gchar control_help[]
    = "\nWith --control-stdin, one command per line on standard input:\n"
      "  quit      stop cleanly, as SIGTERM does (also at the end of the input)\n"
      "  joined    the PC joined the network the device shows now (opens --wifi-gate)\n"
      "  left      the PC left it (closes --wifi-gate again)\n"
      "  next      with --devices: the next unit takes this one's place now\n";

static const gchar exit_help[]
    = "\nExit status: 0 stopped cleanly (SIGTERM/SIGINT, quit or end of input with\n"
      "--control-stdin, or a power-loss fault); 1 with --strict when a violation was\n"
      "counted; 2 bad command line or start-up error.\n"
      "\nExample:\n"
      "  otaflash-emu --ctp-port 0 --http-port 0 --ota-port 0 --time-scale 0.02 \\\n"
      "      --state-dir /tmp/dev --events /tmp/dev/events.jsonl --strict \\\n"
      "      --fault drop:stage=2,read=3\n"
      "See docs/emulator.md for the event log and the state file.\n";

gboolean
emu_options_parse (EmuOptions *opts, EmuFaults *faults, int *argc, char ***argv, gboolean *exit_now,
                   GError **error)
{
  g_auto (RawOptions) raw = { 0 };
  g_autoptr (GOptionContext) context = NULL;
  g_autofree gchar *description = NULL;
  const GOptionEntry entries[]
      = { { "host", 0, 0, G_OPTION_ARG_STRING, &raw.host,
            "Address to listen on (default 127.0.0.1; only this address is bound)", "ADDR" },
          { "ctp-port", 0, 0, G_OPTION_ARG_INT, &raw.ctp_port,
            "CTP control port (default 3333; 0: a free port)", "N" },
          { "http-port", 0, 0, G_OPTION_ARG_INT, &raw.http_port,
            "HTTP description port (default 8080; 0: a free port)", "N" },
          { "ota-port", 0, 0, G_OPTION_ARG_INT, &raw.ota_port,
            "OTA data port (default 3335; 0: a free port)", "N" },
          { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &raw.state_dir,
            "Keep the device state (state.json) here; a restart on it is a power cycle (default: "
            "memory only)",
            "DIR" },
          { "time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &raw.time_scale,
            "Multiply every device delay by F (tests: 0.02; 0: no device delays, for benchmarks); "
            "timeouts never go below 1 s",
            "F" },
          { "strict", 0, 0, G_OPTION_ARG_NONE, &raw.strict,
            "Exit with status 1 if any safety rule was broken", NULL },
          { "events", 0, 0, G_OPTION_ARG_FILENAME, &raw.events,
            "Write the event log (JSON Lines) to FILE, - for stdout", "FILE" },
          { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw.fault_specs,
            "Inject a fault (repeatable; list below)", "SPEC" },
          { "ota-listen-at-boot", 0, 0, G_OPTION_ARG_NONE, &raw.listen_at_boot,
            "Listen on the OTA port from boot, without NET_OTA_SINGLE", NULL },
          { "sdk", 0, 0, G_OPTION_ARG_STRING, &raw.sdk,
            "Behave like SDK V1.1.0 with 1.1 (SAME for identical firmware, 3 s answer timeout)",
            "VERSION" },
          { "start-in-loader", 0, 0, G_OPTION_ARG_NONE, &raw.start_in_loader,
            "Start with stage two pending (the updater runs)", NULL },
          { "installed-version", 0, 0, G_OPTION_ARG_STRING, &raw.installed_version,
            "Firmware version of a fresh state (default 1.0.0)", "V" },
          { "installed-ufw", 0, 0, G_OPTION_ARG_FILENAME, &raw.installed_ufw,
            "The device runs the firmware of this .ufw already (version and flash.bin identity)",
            "FILE" },
          { "erase-rate", 0, 0, G_OPTION_ARG_DOUBLE, &raw.erase_rate,
            "Stage two: after the total-size message and its idle pause the updater erases "
            "all_size bytes at B bytes/s (scaled by --time-scale) before the next READ "
            "(default 409600, typical NOR; 0: no erase time)",
            "B" },
          { "ssid", 0, 0, G_OPTION_ARG_STRING, &raw.ssid,
            "The product's access point (default wifi_camera_ + the last 6 hex digits of the "
            "uuid)",
            "NAME" },
          { "updater-wifi", 0, 0, G_OPTION_ARG_STRING, &raw.updater_wifi,
            "What the updater shows: keep (the product's SSID, default) or open (an open "
            "WIFI_OTA_XXXXXX, as without stored Wi-Fi settings); after a power cut in stage two "
            "always WIFI_OTA_XXXXXX",
            "keep|open" },
          { "control-stdin", 0, 0, G_OPTION_ARG_NONE, &raw.control_stdin,
            "Read commands on standard input (quit, joined, left; see below)", NULL },
          { "wifi-gate", 0, 0, G_OPTION_ARG_NONE, &raw.wifi_gate,
            "After each boot refuse every connection (accept and reset) until a \"joined\" line "
            "came since that boot (needs --control-stdin)",
            NULL },
          { "devices", 0, 0, G_OPTION_ARG_INT, &raw.devices,
            "Present N units one after another at the same address: after a unit's upgrade is "
            "confirmed (its new description read), after a failed stage one, or on \"next\", a "
            "fresh unit (new uuid, initial firmware) appears after a short gap",
            "N" },
          { "link-bandwidth", 0, 0, G_OPTION_ARG_DOUBLE, &raw.bandwidth,
            "Link model: bandwidth in bytes/s (0: unlimited)", "B" },
          { "link-latency-ms", 0, 0, G_OPTION_ARG_DOUBLE, &raw.latency_ms,
            "Link model: one-way latency in ms", "MS" },
          { "flash-rate", 0, 0, G_OPTION_ARG_DOUBLE, &raw.flash_rate,
            "Link model: flash write rate in bytes/s (0: instant)", "B" },
          { "erase-pause-ms", 0, 0, G_OPTION_ARG_DOUBLE, &raw.erase_pause_ms,
            "Link model: erase pause in stage two, every --erase-every bytes", "MS" },
          { "erase-every", 0, 0, G_OPTION_ARG_INT64, &raw.erase_every,
            "Link model: bytes between erase pauses (default 65536)", "BYTES" },
          { "verbose", 'v', 0, G_OPTION_ARG_NONE, &raw.verbose,
            "Print debug messages (frames, events) on stderr", NULL },
          { "version", 0, 0, G_OPTION_ARG_NONE, &raw.version, "Print the version and exit", NULL },
          { NULL } };

  memset (opts, 0, sizeof *opts);
  *exit_now = FALSE;
  raw.ctp_port = 3333;
  raw.http_port = 8080;
  raw.ota_port = 3335;
  raw.time_scale = 1.0;
  raw.erase_rate = EMU_DEFAULT_ERASE_RATE;
  raw.erase_every = 64 * 1024;

  context = g_option_context_new ("- emulated JieLi AC79 device for otaflash");
  g_option_context_set_summary (context, summary);
  description = g_strconcat (emu_faults_describe (), control_help, exit_help, NULL);
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (raw.version)
    {
      g_print ("otaflash-emu %s\n", OTA_VERSION);
      *exit_now = TRUE;
      return TRUE;
    }

  if (!check_port (raw.ctp_port, "ctp-port", &opts->ctp_port, error)
      || !check_port (raw.http_port, "http-port", &opts->http_port, error)
      || !check_port (raw.ota_port, "ota-port", &opts->ota_port, error) || !check_raw (&raw, error))
    return FALSE;
  for (guint i = 0; raw.fault_specs != NULL && raw.fault_specs[i] != NULL; i++)
    if (!emu_faults_add (faults, raw.fault_specs[i], error))
      return FALSE;

  opts->host = g_strdup (raw.host != NULL ? raw.host : "127.0.0.1");
  opts->state_dir = g_steal_pointer (&raw.state_dir);
  opts->time_scale = raw.time_scale;
  opts->strict = raw.strict;
  opts->events_path = g_steal_pointer (&raw.events);
  opts->ota_listen_at_boot = raw.listen_at_boot;
  opts->sdk_1_1 = g_strcmp0 (raw.sdk, "1.1") == 0;
  opts->start_in_loader = raw.start_in_loader;
  opts->installed_version = g_steal_pointer (&raw.installed_version);
  opts->installed_ufw = g_steal_pointer (&raw.installed_ufw);
  opts->devices = (guint) raw.devices;
  opts->link.bandwidth = raw.bandwidth;
  opts->link.latency_s = raw.latency_ms / 1000.0;
  opts->link.flash_rate = raw.flash_rate;
  opts->link.erase_pause_s = raw.erase_pause_ms / 1000.0;
  opts->link.erase_every = (guint64) raw.erase_every;
  opts->erase_rate = raw.erase_rate;
  opts->ssid = g_steal_pointer (&raw.ssid);
  opts->updater_wifi_open = g_strcmp0 (raw.updater_wifi, "open") == 0;
  opts->control_stdin = raw.control_stdin;
  opts->wifi_gate = raw.wifi_gate;
  opts->verbose = raw.verbose;
  return TRUE;
}

void
emu_options_copy (EmuOptions *dst, const EmuOptions *src)
{
  *dst = *src;
  dst->host = g_strdup (src->host != NULL ? src->host : "127.0.0.1");
  dst->state_dir = g_strdup (src->state_dir);
  dst->events_path = g_strdup (src->events_path);
  dst->installed_version = g_strdup (src->installed_version);
  dst->installed_ufw = g_strdup (src->installed_ufw);
  dst->ssid = g_strdup (src->ssid);
}

void
emu_options_clear (EmuOptions *opts)
{
  g_clear_pointer (&opts->host, g_free);
  g_clear_pointer (&opts->state_dir, g_free);
  g_clear_pointer (&opts->events_path, g_free);
  g_clear_pointer (&opts->installed_version, g_free);
  g_clear_pointer (&opts->installed_ufw, g_free);
  g_clear_pointer (&opts->ssid, g_free);
}
