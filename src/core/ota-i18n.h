/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Translations (gettext, domain "otaflash"; po/, docs/translating.md).
 * Include this instead of <glib/gi18n.h>: _() and N_() look the text up in
 * otaflash's own domain, so the core translates the same wherever it is
 * linked. The JSON Lines output stays English: ota_i18n_use_english(). */

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "otaflash"
#endif
#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

/* Binds the domain to the catalogues: $OTAFLASH_LOCALEDIR (the build tree's
 * locale/ in tests), else the installed share/locale (on Windows next to
 * the program). Call once, after setlocale (LC_ALL, ""). */
void ota_i18n_init (void);

/* From now on every message of this process is the untranslated English
 * one (--json: the JSON Lines are an API; their words do not follow the
 * locale). */
void ota_i18n_use_english (void);

/* The directory ota_i18n_init() bound the domain to. */
const gchar *ota_i18n_get_localedir (void);

G_END_DECLS
