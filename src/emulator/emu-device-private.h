/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the two halves of EmuDevice: the device model (emu-device.c:
 * state, Wi-Fi, what the servers ask) and its plumbing (emu-device-boot.c:
 * boots, reboots, threads, ports). Nothing else includes this. */

#include "emu-device.h"
#include "emu-port.h"
#include "emu-state.h"

G_BEGIN_DECLS

struct _EmuDevice {
  EmuOptions opts;
  EmuFaults *faults;
  EmuEvents *events;
  EmuState *state;
  EmuPort *ports[EMU_N_PORTS];
  GThread *thread;
  gchar *product_ssid;

  GMutex lock;
  GCond cond;
  /* all below under lock */
  EmuMode mode;
  GCancellable *stop; /* the emulator stops */
  GCancellable *boot; /* the current boot ends (reboot or stop) */
  guint n_workers;
  gboolean shutdown;
  gboolean reboot_requested;
  gint64 reboot_at_us;
  gint64 reboot_asked_us;  /* when the pending reboot was asked for */
  gboolean swap_requested; /* --devices: the pending "reboot" is the next unit */
  gboolean swapping;       /* from the request until the next unit has booted: a
                            * second "unit over" of the old unit is not a second swap */
  guint unit;              /* --devices: the unit present, 1-based */
  gboolean unit_installed; /* this unit's stage two installed a firmware */
  gchar *reboot_reason;
  gboolean ota_acceptor_running;
  gboolean power_cycled; /* the next boot is the first of the process */
  gboolean ssid_open;    /* the SSID of this boot is the open WIFI_OTA_... */
  gboolean joined;       /* "joined" came since this boot (--wifi-gate) */
  GSocket *ctp_client;
  guint ctp_registered; /* the loader stub's counter */
  gboolean description_fetched;
  gboolean updater_restarted;
  gboolean transfer_active;
  guint64 corrupted_bytes;
  guint violations;
};

extern const gchar *const emu_device_port_names[EMU_N_PORTS];

const gchar *emu_device_mode_name (EmuMode mode);
/* --installed-ufw applied to @state. */
gboolean emu_device_apply_installed_ufw (EmuState *state, const gchar *path, GError **error);
void emu_device_save_state_locked (EmuDevice *self);
/* Logs the Wi-Fi going down with the SSID of this boot. */
void emu_device_emit_wifi_down_locked (EmuDevice *self);

G_END_DECLS
