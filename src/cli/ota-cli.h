/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs the headless front-end; argv contains --cli somewhere. Returns an
 * exit code of docs/cli.md (OtaExitCode, ota-advice.h). */
int ota_cli_run (int argc, char **argv);

G_END_DECLS
