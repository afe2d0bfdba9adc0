/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The end-to-end Wi-Fi harness (tests/wifi/harness.py) from a C test: the
 * emulator coupled to NetworkManager's mock on a private system bus the
 * harness started. wifi_harness_start() refuses (aborts) unless that bus is
 * a socket in the harness's own temporary directory, and points this
 * process's DBUS_SYSTEM_BUS_ADDRESS (and OTA_WIFI_BACKEND=nm) at it, so the
 * otaflash the test starts talks to the mock and nothing else. */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _WifiHarness WifiHarness;

typedef struct {
  guint joins;          /* AddAndActivateConnection2 calls in the mock's log */
  gboolean home_active; /* the PC's own network "HomeNet" is active again */
  guint temporary;      /* unsaved (temporary) profiles left behind */
  gint emu_exit;        /* the emulator's exit status (--strict: 1 on a violation) */
} WifiHarnessSummary;

/* Starts the harness with the emulator options @emu_options (NULL-terminated,
 * may be NULL) and waits for its READY line. @password: the device
 * network's WPA2 password (NULL: 12345678). */
WifiHarness *wifi_harness_start (const gchar *const *emu_options, const gchar *password);
guint16 wifi_harness_port (WifiHarness *h, const gchar *name); /* "ctp", "http", "ota" */
const gchar *wifi_harness_ssid (WifiHarness *h);               /* the device's first network */
/* The lines the harness printed so far (AP-UP S, JOINED S, EVENT {...}). */
GPtrArray *wifi_harness_dup_lines (WifiHarness *h);
/* Stops the emulator and the harness; the summary. */
void wifi_harness_stop (WifiHarness *h, WifiHarnessSummary *summary);
void wifi_harness_free (WifiHarness *h);
/* How many lines (so far) start with @prefix. */
guint wifi_harness_count (WifiHarness *h, const gchar *prefix);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WifiHarness, wifi_harness_free)

G_END_DECLS
