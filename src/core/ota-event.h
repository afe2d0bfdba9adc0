/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the flash engine reports to its front-ends: the device it found, the
 * start and end of each stage, progress, and notable things. Every field
 * that a front-end decides on is an enum (as fwupd's FwupdStatus); the
 * strings of the JSON Lines schema (docs/cli.md) come from the _to_string()
 * functions and nowhere else. OtaEvent is a boxed type, so signals carry it
 * with its real type. */

#include <gio/gio.h>
#include "ota-json.h"
#include "ota-description.h"
#include "ota-ufw.h"

G_BEGIN_DECLS

typedef enum {
  OTA_EVENT_DEVICE,
  OTA_EVENT_STAGE,
  OTA_EVENT_PROGRESS,
  OTA_EVENT_LOG,
} OtaEventKind;

typedef enum {
  OTA_STAGE_STATE_START,
  OTA_STAGE_STATE_END,
} OtaStageState;

typedef enum {
  OTA_STAGE_OUTCOME_NONE, /* at "start" */
  OTA_STAGE_OUTCOME_OK,
  OTA_STAGE_OUTCOME_ERROR,
  OTA_STAGE_OUTCOME_CANCELLED,
} OtaStageOutcome;

typedef enum {
  OTA_LOG_LEVEL_INFO,
  OTA_LOG_LEVEL_WARNING,
} OtaLogLevel;

/* What a Wi-Fi event (OTA_EVENT_CODE_WIFI) is about; "wifi_step" in JSON. */
typedef enum {
  OTA_WIFI_STEP_NONE,
  OTA_WIFI_STEP_REMEMBER, /* the PC's own network, put back at the end */
  OTA_WIFI_STEP_JOIN,     /* joining the device's network */
  OTA_WIFI_STEP_WAIT,     /* the device restarts: waiting for its network to come back */
  OTA_WIFI_STEP_JOINED,   /* on the device's network (joined, rejoined or already on it) */
  OTA_WIFI_STEP_RESTORE,  /* putting the PC's own network back */
  OTA_WIFI_STEP_RESTORED, /* the PC is back on it (or on none, as before) */
} OtaWifiStep;

/* The stable "code" of a log event (docs/cli.md). */
typedef enum {
  OTA_EVENT_CODE_NONE,
  OTA_EVENT_CODE_DEVICE,              /* reading the device description */
  OTA_EVENT_CODE_CONNECT,             /* opening the control channel */
  OTA_EVENT_CODE_TRANSFER,            /* the device reads from the PC */
  OTA_EVENT_CODE_POINT_OF_NO_RETURN,  /* the device started writing (stage one) */
  OTA_EVENT_CODE_REBOOT_WAIT,         /* waiting for the device to come back */
  OTA_EVENT_CODE_RECOVERY,            /* the device waits for stage two */
  OTA_EVENT_CODE_CANCEL_TOO_LATE,     /* a safe cancel was overtaken and dropped */
  OTA_EVENT_CODE_CANCEL_CONFIRM,      /* a cancel now needs confirmation */
  OTA_EVENT_CODE_RETRY,               /* stage two is tried again */
  OTA_EVENT_CODE_VERSION_MISMATCH,    /* the device reports another version than the file */
  OTA_EVENT_CODE_APP_ACCESS,          /* stage two's control exchange went unanswered */
  OTA_EVENT_CODE_HOLD_PORT,           /* the control port is held during stage two */
  OTA_EVENT_CODE_WIFI,                /* a Wi-Fi step */
  OTA_EVENT_CODE_HISTORY,             /* the flash history (a front-end's, docs/history.md) */
  OTA_EVENT_CODE_RECOVERY_OTHER_FILE, /* the unit was left mid-upgrade with another file */
} OtaEventCode;

typedef struct {
  OtaEventKind kind;
  gdouble t;     /* seconds since the flash started */
  guint stage;   /* 1 or 2; 0 when not about a stage */
  guint overall; /* the whole upgrade, both stages weighted, 0..100 */
  /* OTA_EVENT_STAGE */
  OtaStageState state;
  OtaStageOutcome outcome; /* at OTA_STAGE_STATE_END */
  /* OTA_EVENT_PROGRESS */
  guint percent;      /* the device's own download_percent */
  guint64 bytes;      /* bytes served of total */
  guint64 total;      /* all_size: 0 until the device said it */
  gdouble rate;       /* bytes per second, smoothed; 0 unknown */
  gint64 eta;         /* seconds left; -1 unknown */
  gboolean committed; /* past the point of no return */
  /* OTA_EVENT_LOG */
  OtaLogLevel level;
  OtaEventCode code;
  gchar *message; /* also the stage's error at OTA_STAGE_OUTCOME_ERROR; English
                   * (the JSON Lines) */
  gchar *text;    /* @message in the user's language, for people; NULL: as @message
                   * (ota_event_get_text()) */
  /* OTA_EVENT_LOG with OTA_EVENT_CODE_WIFI: the step and the SSID it is
   * about (NULL: none); with OTA_EVENT_CODE_REBOOT_WAIT, @network is the
   * device's network otaflash rejoins (NULL: the technician does) */
  OtaWifiStep wifi_step;
  gchar *network;
  /* OTA_EVENT_DEVICE */
  OtaDescription *device;
} OtaEvent;

typedef void (*OtaEventFunc) (const OtaEvent *event, gpointer user_data);

#define OTA_TYPE_EVENT (ota_event_get_type ())
GType ota_event_get_type (void) G_GNUC_CONST;

OtaEvent *ota_event_new (OtaEventKind kind);
OtaEvent *ota_event_copy (const OtaEvent *event);
void ota_event_free (OtaEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaEvent, ota_event_free)

/* What a person reads: @text, else @message. */
const gchar *ota_event_get_text (const OtaEvent *event);

const gchar *ota_event_kind_to_string (OtaEventKind kind);
const gchar *ota_stage_state_to_string (OtaStageState state);
const gchar *ota_stage_outcome_to_string (OtaStageOutcome outcome); /* NULL for NONE */
const gchar *ota_log_level_to_string (OtaLogLevel level);
const gchar *ota_event_code_to_string (OtaEventCode code); /* NULL for NONE */
const gchar *ota_wifi_step_to_string (OtaWifiStep step);   /* NULL for NONE */

/* The JSON object of docs/cli.md ("event": "device" | "stage" | ...). Every
 * string in it is valid UTF-8. */
cJSON *ota_event_to_json (const OtaEvent *event);
/* The description as the JSON object of a "device" event. */
cJSON *ota_description_to_json (const OtaDescription *desc);

/* The "file" event of docs/cli.md for a validated container (@ufw may be
 * NULL: then only the path). */
cJSON *ota_event_file_to_json (const gchar *path, OtaUfw *ufw);

/* cJSON_AddStringToObject with @value made valid UTF-8 (NULL: JSON null). */
void ota_json_add_string (cJSON *obj, const gchar *key, const gchar *value);

G_END_DECLS
