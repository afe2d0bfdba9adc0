/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The fault table of 3335: which injected fault applies at which READ or
 * at which moment of a stage attempt, and what it makes the device do.
 * The state machine (emu-ota-server.c) asks here and acts on the answer. */

#include "emu-device.h"

G_BEGIN_DECLS

/* What happens instead of READ k (at most one of these). */
typedef enum {
  EMU_READ_NORMAL,
  EMU_READ_POWER_LOSS, /* the process exits, like a power cut */
  EMU_READ_DROP,       /* close 3335 */
  EMU_READ_STALL,      /* send nothing, keep 3335 open */
  EMU_READ_ERR,        /* ERR instead of the READ */
} EmuReadAction;

/* What READ k asks for. */
typedef enum {
  EMU_REQUEST_NORMAL,
  EMU_REQUEST_BEYOND_EOF, /* a seek_addr past the end of the file */
  EMU_REQUEST_TOO_LARGE,  /* 43 KiB, over the 42 KiB limit */
  EMU_REQUEST_GARBAGE,    /* 20 random bytes instead of a header */
} EmuRequestKind;

typedef struct {
  EmuReadAction action;
  gdouble gap_secs; /* device seconds to pause before the READ (slow-erase) */
  gboolean bad_sum; /* the header carries a wrong sum */
  EmuRequestKind request;
} EmuReadPlan;

/* The faults of READ @k of @stage; each one that applies uses a trigger. */
void emu_ota_faults_at_read (EmuDevice *dev, gint stage, guint k, EmuReadPlan *plan);

/* Moments of a stage attempt that faults may change. */
typedef enum {
  EMU_OTA_AT_START,  /* before the first READ: ok-without-read */
  EMU_OTA_AT_COMMIT, /* before the total-size message: slow-commit */
  EMU_OTA_AT_ERR,    /* after an ERR in stage two: updater-restart */
  EMU_OTA_AT_OK,     /* after OK in stage two: stay-in-updater, keep-old-version */
} EmuOtaMoment;

/* The first fault of @moment that triggers in @stage (free with g_free) and
 * its name in *@name, or NULL. */
EmuFault *emu_ota_faults_at (EmuDevice *dev, EmuOtaMoment moment, gint stage, const gchar **name);

G_END_DECLS
