/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-gui.h"
#include "ota-i18n.h"

#include "ota-application.h"
#include "otaflash-resources.h"

void
ota_gui_register_resources (void)
{
  static gsize registered = 0;

  /* the resource object sits in a static library: register it by hand so
   * that the linker keeps it and the order is certain */
  if (g_once_init_enter (&registered))
    {
      ota_gui_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}

int
ota_gui_run (int argc, char **argv)
{
  g_autoptr (OtaApplication) app = NULL;

  g_set_application_name ("otaflash");
  /* --help names the command a person types; startup gives the window its
   * application ID as the program name (ota_application_startup) */
  g_set_prgname ("otaflash");
  app = ota_application_new ();
  g_application_set_option_context_parameter_string (G_APPLICATION (app), "[FIRMWARE.ufw]");
  g_application_set_option_context_summary (G_APPLICATION (app),
                                            _ ("otaflash: upgrades a JieLi AC79 Wi-Fi device over "
                                               "its own access point. Opens the window, "
                                               "with FIRMWARE.ufw chosen if given."));
  g_application_set_option_context_description (
      G_APPLICATION (app),
      _ ("Without a window (scripts, production lines): otaflash --cli --help. "
         "The version: otaflash --version. The manual: man otaflash"));
  return g_application_run (G_APPLICATION (app), argc, argv);
}
