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

int
ota_gui_run (int argc, char **argv)
{
  g_autoptr(OtaApplication) app = NULL;

  g_set_application_name ("otaflash");
  g_set_prgname (OTA_APPLICATION_ID);
  app = ota_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
