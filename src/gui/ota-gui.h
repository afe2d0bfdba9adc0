/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Runs the GTK application; returns the process exit status. */
int ota_gui_run (int argc, char **argv);
