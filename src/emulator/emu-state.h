/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What survives a power cycle: the state file (state.json) in the state dir.
 * Without a state dir the state lives in memory only. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar *path;              /* state.json, or NULL: memory only */
  gchar *installed_version; /* script.ver of the installed firmware */
  gboolean has_identity;    /* FALSE: the factory firmware, matches no file */
  guint32 flash_crc;        /* data CRC16 of the installed flash.bin entry */
  guint32 flash_size;       /* size of the installed flash.bin entry */
  gboolean stage2_pending;  /* the loader runs at boot */
  gchar *ssid;              /* what the device would show */
  gchar *uuid;
  gboolean fresh; /* made by this run, not loaded */
} EmuState;

/* Loads @dir/state.json, or makes a fresh state (version @fresh_version,
 * "1.0.0" when NULL) and writes it. @dir may be NULL (memory only). */
EmuState *emu_state_load (const gchar *dir, const gchar *fresh_version, GError **error);
void emu_state_free (EmuState *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuState, emu_state_free)

gboolean emu_state_save (EmuState *self, GError **error);
/* --devices: another unit takes this one's place: a new uuid, firmware
 * @fresh_version ("1.0.0" when NULL, the factory firmware), nothing pending. */
void emu_state_reset (EmuState *self, const gchar *fresh_version);

/* "wifi_camera_1A2B3C": the product's access point (last 6 hex digits of the uuid). */
gchar *emu_state_product_ssid (const EmuState *self);
/* "WIFI_OTA_1A2B3C": the updater's open access point (no stored Wi-Fi, or after a
 * power cut in stage two). */
gchar *emu_state_recovery_ssid (const EmuState *self);

G_END_DECLS
