/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Test helper: runs the device emulator (otaflash-emu) on free loopback
 * ports, waits for its READY line and reads what it records (event log,
 * state file). Every end-to-end test goes through this. */

#include <gio/gio.h>
#include <cjson/cJSON.h>

#include "ota-ufw-builder.h"

G_BEGIN_DECLS

typedef struct {
  GSubprocess *proc;
  guint16 ctp_port, http_port, ota_port;
  gchar *state_dir;   /* temp dir made by start unless args contain --state-dir */
  gchar *events_path; /* state_dir/events.jsonl unless args contain --events */
  /* private */
  gboolean owns_state_dir;
  gboolean stopped;
  gint exit_status;
  gboolean control_stdin; /* runs with --control-stdin: stopped by closing its stdin */
} OtaTestEmu;

/* Starts $OTA_TEST_EMU (fallback: ../src/emulator/otaflash-emu from
 * $G_TEST_BUILDDIR) with --host 127.0.0.1, ports 0, --time-scale 0.02,
 * --strict, --state-dir and --events, plus @extra_args (NULL-terminated, may
 * be NULL; later options override earlier ones, so they may change the time
 * scale). Waits (at most 20 s) for the READY line and fills the ports. */
OtaTestEmu *ota_test_emu_start (const gchar *const *extra_args, GError **error);

/* A power cycle: stops @old if it still runs, then starts a new emulator on
 * the same state dir, the same event log path (the new process starts a new
 * log) and the same ports. The new object takes over the temp dir of @old,
 * so freeing @old afterwards removes nothing. */
OtaTestEmu *ota_test_emu_restart (OtaTestEmu *old, const gchar *const *extra_args, GError **error);

/* A clean stop, then waits (bounded; killed after 30 s). The clean stop is
 * SIGTERM on POSIX, the end of its standard input (--control-stdin) on
 * Windows or with OTA_TEST_EMU_CONTROL_STDIN=1. Returns the exit status
 * (0 = clean and, with --strict, no violation), or -1 if it died from a
 * signal. Calling it again returns the same status. Frees nothing. */
gint ota_test_emu_stop (OtaTestEmu *emu);

/* Stops it if it still runs, removes the temp dir it made. */
void ota_test_emu_free (OtaTestEmu *emu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaTestEmu, ota_test_emu_free)

/* Number of events in the log whose "event" field equals @name. */
guint ota_test_emu_count_events (OtaTestEmu *emu, const gchar *name);

/* Waits (at most @timeout_ms) until an event named @name is in the log and
 * returns the first one (a new cJSON object), or NULL on timeout. */
cJSON *ota_test_emu_wait_event (OtaTestEmu *emu, const gchar *name, guint timeout_ms);

/* Same, for the @nth (1-based) event named @name. */
cJSON *ota_test_emu_wait_event_nth (OtaTestEmu *emu, const gchar *name, guint nth,
                                    guint timeout_ms);

/* All events named @name (NULL: all events) as a new cJSON array. */
cJSON *ota_test_emu_get_events (OtaTestEmu *emu, const gchar *name);

/* Number of "violation" events. */
guint ota_test_emu_count_violations (OtaTestEmu *emu);
/* Number of "violation" events whose "rule" is @rule ("S1".."S6"). */
guint ota_test_emu_count_violations_of (OtaTestEmu *emu, const gchar *rule);

/* From the emulator's state file (state_dir/state.json). */
gchar *ota_test_emu_get_installed_version (OtaTestEmu *emu);
gboolean ota_test_emu_get_stage2_pending (OtaTestEmu *emu);
gchar *ota_test_emu_get_ssid (OtaTestEmu *emu);

/* Test assertions shared by the end-to-end programs. */
/* Stops @emu and asserts that it counted no device-safety violation and
 * exited 0 (with --strict, that is the same check made by the device). */
void ota_test_emu_assert_clean (OtaTestEmu *emu);
/* Asserts the firmware version the device runs and whether stage two is
 * pending, from its state file. */
void ota_test_emu_assert_installed (OtaTestEmu *emu, const gchar *version, gboolean pending);

/* Writes a .ufw into @dir via ota_ufw_build_file; returns its path. */
gchar *ota_test_make_ufw (const gchar *dir, guint64 flash_size, guint64 ota_size, guint32 seed,
                          const gchar *version, OtaUfwCorruption corruption, GError **error);

/* Removes @path and everything below it (symbolic links themselves, never
 * what they point to); quiet when something is already gone. */
void ota_test_rm_rf (const gchar *path);

G_END_DECLS
