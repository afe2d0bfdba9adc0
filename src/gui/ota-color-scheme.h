/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Follows the desktop's dark or light preference. GNOME 42+ and KDE publish
 * it through the XDG Settings portal (org.freedesktop.appearance
 * color-scheme: 0 no preference, 1 prefer dark, 2 prefer light), which
 * GTK 3 does not read by itself; this object reads it, watches it, and sets
 * the GtkSettings property gtk-application-prefer-dark-theme to match.
 * Everything is asynchronous; without a session bus or a portal it does
 * nothing (g_debug only). With $GTK_THEME set (the user's explicit choice,
 * which GTK then applies whatever that property says) it does nothing at
 * all. */

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OTA_TYPE_COLOR_SCHEME (ota_color_scheme_get_type ())
G_DECLARE_FINAL_TYPE (OtaColorScheme, ota_color_scheme, OTA, COLOR_SCHEME, GObject)

/* Starts reading the portal at once; the value @settings has now is what
 * "no preference" goes back to. */
OtaColorScheme *ota_color_scheme_new (GtkSettings *settings);

/* TRUE while the session bus is being reached or the first read is in
 * flight: after that only SettingChanged signals change anything (tests). */
gboolean ota_color_scheme_is_busy (OtaColorScheme *self);

G_END_DECLS
