/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The GtkApplication: one instance, one main window. It acts on what the
 * window asks for: validates files, watches the device, runs the upgrade,
 * asks before cancelling past the point of no return, starts the demo
 * device, and remembers the settings. */

#include <gtk/gtk.h>
#include "ota-window.h"

G_BEGIN_DECLS

#define OTA_APPLICATION_ID "io.github.otaflash.Otaflash"

#define OTA_TYPE_APPLICATION (ota_application_get_type ())
G_DECLARE_FINAL_TYPE (OtaApplication, ota_application, OTA, APPLICATION, GtkApplication)

OtaApplication *ota_application_new (void);

G_END_DECLS
