/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Runs the GTK application; returns the process exit status. */
int ota_gui_run (int argc, char **argv);

/* Registers the bundled resources (templates, icon) once; the application
 * and the widgets call it before they need them. Thread-safe. */
void ota_gui_register_resources (void);
