/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-gui.h"

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

static gint
handle_local_options_cb (GApplication *app, GVariantDict *options, gpointer user_data)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("otaflash %s\n", OTA_VERSION);
      return 0;
    }
  return -1; /* go on */
}

int
ota_gui_run (int argc, char **argv)
{
  g_autoptr(OtaApplication) app = NULL;

  g_set_application_name ("otaflash");
  /* the desktop file and the window manager know the window by this */
  g_set_prgname (OTA_APPLICATION_ID);
  app = ota_application_new ();
  g_application_set_option_context_parameter_string (G_APPLICATION (app), "[FIRMWARE.ufw]");
  g_application_set_option_context_summary (
      G_APPLICATION (app),
      "otaflash: upgrades a JieLi AC79 Wi-Fi device over its own access point. Opens the window, "
      "with FIRMWARE.ufw chosen if given.");
  g_application_set_option_context_description (
      G_APPLICATION (app),
      "Without a window (scripts, production lines): otaflash --cli --help");
  g_application_add_main_option (G_APPLICATION (app), "version", 'V', G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE, "Show the version and exit", NULL);
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
