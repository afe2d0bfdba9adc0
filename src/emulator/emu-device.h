/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The emulated device: its three ports, its firmware state, what runs
 * (main firmware or the stage-two loader), reboots and the safety checks.
 * Each listening port has an accept thread, each connection its own thread;
 * all of them end when the device reboots or the emulator stops. */

#include <gio/gio.h>
#include <cjson/cJSON.h>

#include "emu-events.h"
#include "emu-faults.h"
#include "emu-link.h"
#include "emu-options.h"

G_BEGIN_DECLS

typedef enum {
  EMU_MODE_OFF,    /* rebooting, or gone for good (no-reboot fault) */
  EMU_MODE_MAIN,   /* the product firmware, ota_step "0" */
  EMU_MODE_LOADER, /* the stage-two loader, ota_step "1" */
} EmuMode;

typedef enum {
  EMU_PORT_CTP,
  EMU_PORT_HTTP,
  EMU_PORT_OTA,
  EMU_N_PORTS
} EmuPortId;

typedef struct _EmuDevice EmuDevice;

/* Loads the state, binds the ports, opens the event log; @faults is taken. */
EmuDevice *emu_device_new (const EmuOptions *options, EmuFaults *faults, GError **error);
void emu_device_free (EmuDevice *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuDevice, emu_device_free)

/* Boots (ports listen when it returns) and starts the device thread. */
gboolean emu_device_start (EmuDevice *self, GError **error);
guint16 emu_device_get_port (EmuDevice *self, EmuPortId id);
/* Asks every thread to end (SIGTERM); emu_device_join() waits for them. */
void emu_device_request_shutdown (EmuDevice *self);
void emu_device_join (EmuDevice *self);
guint emu_device_get_violations (EmuDevice *self);
/* Call once READY is printed: events held for stdout follow it. */
void emu_device_ready (EmuDevice *self);

/* --- for the servers --- */

const EmuOptions *emu_device_get_options (EmuDevice *self);
EmuMode emu_device_get_mode (EmuDevice *self);

void emu_device_emit (EmuDevice *self, const gchar *name, cJSON *fields);
/* Counts and logs a break of rule @rule ("S1".."S6"). */
void emu_device_violation (EmuDevice *self, const gchar *rule, gint stage, const gchar *format, ...)
    G_GNUC_PRINTF (4, 5);
/* emu_faults_take() that also logs a "fault" event. Free with g_free. */
EmuFault *emu_device_take_fault (EmuDevice *self, const gchar *name, gint stage, guint read);

/* Device seconds → real seconds (--time-scale). */
gdouble emu_device_scaled (EmuDevice *self, gdouble device_seconds);
/* A device timeout in microseconds: scaled, but never below 1 s. */
gint64 emu_device_timeout_us (EmuDevice *self, gdouble device_seconds);
/* Sleeps @seconds (real); FALSE if @cancellable fired first. */
gboolean emu_device_sleep (EmuDevice *self, gdouble seconds, GCancellable *cancellable);

/* Starts a worker thread that belongs to the current boot. */
void emu_device_spawn (EmuDevice *self, const gchar *name, GThreadFunc func, gpointer data);

/* --- state --- */

/* Copies of the installed firmware's fields. */
gchar *emu_device_dup_installed_version (EmuDevice *self);
gchar *emu_device_dup_uuid (EmuDevice *self);
/* TRUE and the identity when a known firmware is installed. */
gboolean emu_device_get_identity (EmuDevice *self, guint32 *crc, guint32 *size);
void emu_device_set_stage2_pending (EmuDevice *self);
/* Stage two succeeded: the new firmware is installed, the loader is done. */
void emu_device_install (EmuDevice *self, const gchar *version, guint32 crc, guint32 size);
/* The keep-old-version fault: the loader is done, the old firmware stays. */
void emu_device_keep_old_firmware (EmuDevice *self);
/* Reboots @delay device seconds from now, into what the state says. */
void emu_device_request_reboot (EmuDevice *self, gdouble delay, const gchar *reason);
/* --devices: this unit is done (@reason): unless it was the last, a fresh
 * unit takes its place @delay device seconds from now, after a gap in which
 * nothing answers. Ignored without --devices or while a reboot is pending. */
void emu_device_unit_over (EmuDevice *self, gdouble delay, const gchar *reason);
/* --devices: this unit's stage two installed a firmware. */
gboolean emu_device_get_unit_installed (EmuDevice *self);
/* The power-loss fault: saves the state, logs, and exits the process at once. */
G_NORETURN void emu_device_power_loss (EmuDevice *self, gint stage, guint read);

/* --- main firmware --- */

/* NET_OTA_SINGLE succeeded: 3335 starts listening (one client). */
gboolean emu_device_open_ota (EmuDevice *self);
/* Takes the app session for @sock. FALSE when an app from another address
 * holds it (the newcomer gets errno 3); on TRUE, *@evicted is the previous
 * connection from the same address (a new reference) or NULL. */
gboolean emu_device_ctp_claim (EmuDevice *self, GSocket *sock, GSocket **evicted);
void emu_device_ctp_release (EmuDevice *self, GSocket *sock);

/* --- Wi-Fi --- */

/* The SSID the device shows in this boot (at start: the first boot's). */
gchar *emu_device_dup_ssid (EmuDevice *self);
/* --control-stdin "joined"/"left": the PC joined or left the network the
 * device shows now. Opens or closes --wifi-gate; ignored while rebooting. */
void emu_device_set_joined (EmuDevice *self, gboolean joined);

/* --- loader --- */

void emu_device_set_description_fetched (EmuDevice *self);
gboolean emu_device_get_description_fetched (EmuDevice *self);
/* A 3335 transfer starts (its CTP-corruption count starts at 0) or ends. */
void emu_device_set_transfer_active (EmuDevice *self, gboolean active);
gboolean emu_device_get_transfer_active (EmuDevice *self);
/* The stub CTP's registered-client counter (protocol.md 4.5): a segment
 * arriving while it is 0 registers its connection (TRUE: answer it) and is
 * copied into the OTA buffer, which corrupts a running transfer. */
gboolean emu_device_ctp_stub_segment (EmuDevice *self, gsize bytes);
void emu_device_ctp_stub_unregister (EmuDevice *self);
/* Bytes 3333 copied into the buffer of the running transfer. */
guint64 emu_device_get_corrupted_bytes (EmuDevice *self);
/* The updater-restart fault: the description must be fetched again. */
void emu_device_restart_updater (EmuDevice *self);
gboolean emu_device_get_updater_restarted (EmuDevice *self);
/* After an ERR: for @seconds (real) every new 3335 connection is accepted
 * and reset, as the updater's teardown closes whichever client is there. */
void emu_device_ota_teardown (EmuDevice *self, gdouble seconds, GCancellable *cancellable);

G_END_DECLS
