/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include "ota-session.h"

G_BEGIN_DECLS

/* Exit codes of `otaflash --cli`: stable, documented in docs/cli.md. */
typedef enum {
  OTA_EXIT_SUCCESS = 0,
  OTA_EXIT_USAGE = 2,
  OTA_EXIT_NOT_REACHABLE = 3,
  OTA_EXIT_INVALID_FILE = 4,
  OTA_EXIT_REFUSED = 5,
  OTA_EXIT_NOTHING_TO_DO = 6,
  OTA_EXIT_FAILED_UNCHANGED = 7,
  OTA_EXIT_NEEDS_RECOVERY = 8,
  OTA_EXIT_NO_REBOOT = 9,
  OTA_EXIT_CANCELLED = 130,
} OtaExitCode;

/* The one place where errors become exit codes. */
OtaExitCode  ota_cli_exit_code (const GError *error, OtaDeviceState state);
/* "success", "unchanged", "failed", "needs-recovery", "cancelled" */
const gchar *ota_cli_exit_status (OtaExitCode code);

/* Runs the headless front-end; argv contains --cli somewhere. */
int ota_cli_run (int argc, char **argv);

G_END_DECLS
