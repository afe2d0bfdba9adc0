/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The emulator's command line: every option, checked, in one value that the
 * device copies and then only reads. */

#include <glib.h>

#include "emu-faults.h"
#include "emu-link.h"

G_BEGIN_DECLS

/* The default erase rate: ~400 KiB/s, typical SPI NOR (protocol.md 4.4). */
#define EMU_DEFAULT_ERASE_RATE 409600.0

typedef struct {
  gchar *host;
  guint16 ctp_port, http_port, ota_port;
  gchar *state_dir;
  gdouble time_scale;
  gboolean strict;
  gchar *events_path;
  gboolean ota_listen_at_boot;
  gboolean sdk_1_1;
  gboolean start_in_loader;
  gchar *installed_version;
  gchar *installed_ufw;
  EmuLinkModel link;
  gdouble erase_rate;         /* bytes/s the updater erases; 0: no erase time */
  gchar *ssid;                /* the product's SSID; NULL: wifi_camera_ + uuid */
  gboolean updater_wifi_open; /* the updater shows WIFI_OTA_... instead */
  gboolean control_stdin;     /* commands on standard input */
  gboolean wifi_gate;         /* refuse connections until "joined" */
  guint devices;              /* --devices N: N units one after another; 0 or 1: one device */
  gboolean verbose;
} EmuOptions;

/* Parses @argv into @opts (cleared first) and the faults into @faults.
 * FALSE with a G_OPTION_ERROR for a bad command line. *@exit_now is TRUE
 * when the run ends here with success (--version, already answered). */
gboolean emu_options_parse (EmuOptions *opts, EmuFaults *faults, int *argc, char ***argv,
                            gboolean *exit_now, GError **error);

/* Deep copy of @src into @dst. */
void emu_options_copy (EmuOptions *dst, const EmuOptions *src);
void emu_options_clear (EmuOptions *opts);

G_END_DECLS
