/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-ota-faults.h"

typedef enum {
  ROLE_ACTION,  /* replaces the READ; the first that triggers ends the lookup */
  ROLE_GAP,     /* a pause before it */
  ROLE_BAD_SUM, /* a wrong sum in its header */
  ROLE_REQUEST, /* an odd request; the first that triggers wins */
} Role;

typedef struct {
  const gchar *name;
  Role role;
  gint value; /* EmuReadAction or EmuRequestKind */
} ReadFault;

/* In the order they are looked up: a READ that is dropped never asks for
 * anything, so the faults after it keep their triggers. */
static const ReadFault read_faults[] = {
  { "power-loss", ROLE_ACTION, EMU_READ_POWER_LOSS },
  { "drop", ROLE_ACTION, EMU_READ_DROP },
  { "stall", ROLE_ACTION, EMU_READ_STALL },
  { "err", ROLE_ACTION, EMU_READ_ERR },
  { "slow-erase", ROLE_GAP, 0 },
  { "bad-sum", ROLE_BAD_SUM, 0 },
  { "read-beyond-eof", ROLE_REQUEST, EMU_REQUEST_BEYOND_EOF },
  { "read-too-large", ROLE_REQUEST, EMU_REQUEST_TOO_LARGE },
  { "garbage", ROLE_REQUEST, EMU_REQUEST_GARBAGE },
};

typedef struct {
  const gchar *name;
  EmuOtaMoment moment;
} MomentFault;

static const MomentFault moment_faults[] = {
  { "ok-without-read", EMU_OTA_AT_START }, { "slow-commit", EMU_OTA_AT_COMMIT },
  { "updater-restart", EMU_OTA_AT_ERR },   { "stay-in-updater", EMU_OTA_AT_OK },
  { "keep-old-version", EMU_OTA_AT_OK },
};

void
emu_ota_faults_at_read (EmuDevice *dev, gint stage, guint k, EmuReadPlan *plan)
{
  *plan = (EmuReadPlan){ EMU_READ_NORMAL, 0, FALSE, EMU_REQUEST_NORMAL };

  for (gsize i = 0; i < G_N_ELEMENTS (read_faults); i++)
    {
      const ReadFault *rf = &read_faults[i];
      g_autofree EmuFault *f = NULL;

      if (rf->role == ROLE_REQUEST && plan->request != EMU_REQUEST_NORMAL)
        continue;
      f = emu_device_take_fault (dev, rf->name, stage, k);
      if (f == NULL)
        continue;
      switch (rf->role)
        {
        case ROLE_ACTION:
          plan->action = (EmuReadAction) rf->value;
          return;
        case ROLE_GAP:
          plan->gap_secs = f->secs;
          break;
        case ROLE_BAD_SUM:
          plan->bad_sum = TRUE;
          break;
        case ROLE_REQUEST:
        default:
          plan->request = (EmuRequestKind) rf->value;
          break;
        }
    }
}

EmuFault *
emu_ota_faults_at (EmuDevice *dev, EmuOtaMoment moment, gint stage, const gchar **name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (moment_faults); i++)
    {
      EmuFault *f;

      if (moment_faults[i].moment != moment)
        continue;
      f = emu_device_take_fault (dev, moment_faults[i].name, stage, 0);
      if (f != NULL)
        {
          if (name != NULL)
            *name = moment_faults[i].name;
          return f;
        }
    }
  return NULL;
}
