/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-i18n.h"

#include <locale.h>

static gchar *localedir;

void
ota_i18n_init (void)
{
  const gchar *env = g_getenv ("OTAFLASH_LOCALEDIR");

  g_clear_pointer (&localedir, g_free);
  if (env != NULL && *env != '\0')
    localedir = g_strdup (env);
  else
    {
#ifdef G_OS_WIN32
      g_autofree gchar *base = g_win32_get_package_installation_directory_of_module (NULL);
      localedir = g_build_filename (base, "share", "locale", NULL);
#else
      localedir = g_strdup (OTA_LOCALEDIR);
#endif
    }
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

void
ota_i18n_use_english (void)
{
#ifdef LC_MESSAGES
#ifndef G_OS_WIN32
  /* with LC_MESSAGES "C" gettext ignores $LANGUAGE too */
  setlocale (LC_MESSAGES, "C");
#endif
#endif
}

const gchar *
ota_i18n_get_localedir (void)
{
  return localedir;
}
