/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-event.h"

#include <string.h>

#include "ota-ctp-frame.h"
#include "ota-text.h"

G_DEFINE_BOXED_TYPE (OtaEvent, ota_event, ota_event_copy, ota_event_free)

OtaEvent *
ota_event_new (OtaEventKind kind)
{
  OtaEvent *event = g_new0 (OtaEvent, 1);

  event->kind = kind;
  event->eta = -1;
  return event;
}

OtaEvent *
ota_event_copy (const OtaEvent *event)
{
  OtaEvent *copy = g_new0 (OtaEvent, 1);

  *copy = *event;
  copy->message = g_strdup (event->message);
  copy->text = g_strdup (event->text);
  copy->network = g_strdup (event->network);
  copy->device = event->device != NULL ? ota_description_copy (event->device) : NULL;
  return copy;
}

void
ota_event_free (OtaEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->message);
  g_free (event->text);
  g_free (event->network);
  g_clear_pointer (&event->device, ota_description_free);
  g_free (event);
}

const gchar *
ota_event_kind_to_string (OtaEventKind kind)
{
  switch (kind)
    {
    case OTA_EVENT_DEVICE:
      return "device";
    case OTA_EVENT_STAGE:
      return "stage";
    case OTA_EVENT_PROGRESS:
      return "progress";
    case OTA_EVENT_LOG:
      return "log";
    default:
      return "unknown";
    }
}

const gchar *
ota_stage_state_to_string (OtaStageState state)
{
  return state == OTA_STAGE_STATE_END ? "end" : "start";
}

const gchar *
ota_stage_outcome_to_string (OtaStageOutcome outcome)
{
  switch (outcome)
    {
    case OTA_STAGE_OUTCOME_OK:
      return "ok";
    case OTA_STAGE_OUTCOME_ERROR:
      return "error";
    case OTA_STAGE_OUTCOME_CANCELLED:
      return "cancelled";
    case OTA_STAGE_OUTCOME_NONE:
    default:
      return NULL;
    }
}

const gchar *
ota_log_level_to_string (OtaLogLevel level)
{
  return level == OTA_LOG_LEVEL_WARNING ? "warning" : "info";
}

const gchar *
ota_event_code_to_string (OtaEventCode code)
{
  switch (code)
    {
    case OTA_EVENT_CODE_DEVICE:
      return "device";
    case OTA_EVENT_CODE_CONNECT:
      return "connect";
    case OTA_EVENT_CODE_TRANSFER:
      return "transfer";
    case OTA_EVENT_CODE_POINT_OF_NO_RETURN:
      return "point-of-no-return";
    case OTA_EVENT_CODE_REBOOT_WAIT:
      return "reboot-wait";
    case OTA_EVENT_CODE_RECOVERY:
      return "recovery";
    case OTA_EVENT_CODE_CANCEL_TOO_LATE:
      return "cancel-too-late";
    case OTA_EVENT_CODE_CANCEL_CONFIRM:
      return "cancel-confirm";
    case OTA_EVENT_CODE_RETRY:
      return "retry";
    case OTA_EVENT_CODE_VERSION_MISMATCH:
      return "version-mismatch";
    case OTA_EVENT_CODE_APP_ACCESS:
      return "app-access";
    case OTA_EVENT_CODE_HOLD_PORT:
      return "hold-port";
    case OTA_EVENT_CODE_WIFI:
      return "wifi";
    case OTA_EVENT_CODE_HISTORY:
      return "history";
    case OTA_EVENT_CODE_RECOVERY_OTHER_FILE:
      return "recovery-other-file";
    case OTA_EVENT_CODE_NONE:
    default:
      return NULL;
    }
}

const gchar *
ota_event_get_text (const OtaEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->text != NULL ? event->text : event->message;
}

const gchar *
ota_wifi_step_to_string (OtaWifiStep step)
{
  switch (step)
    {
    case OTA_WIFI_STEP_REMEMBER:
      return "remember";
    case OTA_WIFI_STEP_JOIN:
      return "join";
    case OTA_WIFI_STEP_WAIT:
      return "wait";
    case OTA_WIFI_STEP_JOINED:
      return "joined";
    case OTA_WIFI_STEP_RESTORE:
      return "restore";
    case OTA_WIFI_STEP_RESTORED:
      return "restored";
    case OTA_WIFI_STEP_NONE:
    default:
      return NULL;
    }
}

void
ota_json_add_string (cJSON *obj, const gchar *key, const gchar *value)
{
  g_autofree gchar *valid = NULL;

  if (value == NULL)
    {
      cJSON_AddNullToObject (obj, key);
      return;
    }
  /* device and file strings may hold any bytes: JSON Lines stay UTF-8 */
  valid = ota_text_make_valid_utf8 (value, -1);
  cJSON_AddStringToObject (obj, key, valid);
}

#define add_string ota_json_add_string

/* The device's own description, echoed (already at most
 * OTA_DESCRIPTION_ECHO_DEPTH deep, ota_description_dup_json()): every key
 * and string made valid UTF-8, so a --json line always is. */
static void
echo_make_valid (cJSON *item)
{
  for (cJSON *child = item->child; child != NULL; child = child->next)
    {
      if (child->string != NULL && !g_utf8_validate (child->string, -1, NULL))
        {
          g_autofree gchar *valid = ota_text_make_valid_utf8 (child->string, -1);
          gsize len = strlen (valid) + 1;

          cJSON_free (child->string);
          child->string = cJSON_malloc (len);
          memcpy (child->string, valid, len);
        }
      if (cJSON_IsString (child) && !g_utf8_validate (child->valuestring, -1, NULL))
        {
          g_autofree gchar *valid = ota_text_make_valid_utf8 (child->valuestring, -1);
          cJSON_SetValuestring (child, valid);
        }
      if (child->child != NULL)
        echo_make_valid (child);
    }
}

cJSON *
ota_description_to_json (const OtaDescription *desc)
{
  cJSON *obj = cJSON_CreateObject ();
  cJSON *raw = ota_description_dup_json (desc, OTA_DESCRIPTION_ECHO_DEPTH);

  add_string (obj, "product_type", desc->product_type);
  add_string (obj, "firmware_version", desc->firmware_version);
  add_string (obj, "ota_type", desc->ota_type);
  add_string (obj, "ota_step", desc->ota_step);
  add_string (obj, "uuid", desc->uuid);
  add_string (obj, "match_app_type", desc->match_app_type);
  cJSON_AddBoolToObject (obj, "single_backup", ota_description_is_single_backup (desc));
  cJSON_AddBoolToObject (obj, "stage_two_pending", ota_description_needs_stage_two (desc));
  if (raw != NULL)
    {
      echo_make_valid (raw);
      cJSON_AddItemToObject (obj, "description", raw);
    }
  return obj;
}

cJSON *
ota_event_to_json (const OtaEvent *event)
{
  cJSON *obj;

  if (event->kind == OTA_EVENT_DEVICE && event->device != NULL)
    {
      g_autoptr (cJSON) dev = ota_description_to_json (event->device);
      cJSON *child;

      obj = cJSON_CreateObject ();
      cJSON_AddStringToObject (obj, "event", "device");
      cJSON_AddNumberToObject (obj, "t", event->t);
      /* flatten: "event", "t", then the device's fields */
      while ((child = dev->child) != NULL)
        {
          cJSON_DetachItemViaPointer (dev, child);
          cJSON_AddItemToObject (obj, child->string, child);
        }
      return obj;
    }

  obj = cJSON_CreateObject ();
  cJSON_AddStringToObject (obj, "event", ota_event_kind_to_string (event->kind));
  cJSON_AddNumberToObject (obj, "t", event->t);
  switch (event->kind)
    {
    case OTA_EVENT_STAGE:
      cJSON_AddNumberToObject (obj, "stage", event->stage);
      add_string (obj, "state", ota_stage_state_to_string (event->state));
      if (event->state == OTA_STAGE_STATE_END)
        add_string (obj, "outcome", ota_stage_outcome_to_string (event->outcome));
      if (event->message != NULL)
        add_string (obj, "message", event->message);
      cJSON_AddNumberToObject (obj, "overall", event->overall);
      break;
    case OTA_EVENT_PROGRESS:
      cJSON_AddNumberToObject (obj, "stage", event->stage);
      cJSON_AddNumberToObject (obj, "percent", event->percent);
      cJSON_AddNumberToObject (obj, "bytes", (double) event->bytes);
      cJSON_AddNumberToObject (obj, "total", (double) event->total);
      cJSON_AddNumberToObject (obj, "rate", (double) (gint64) event->rate);
      if (event->eta >= 0)
        cJSON_AddNumberToObject (obj, "eta", (double) event->eta);
      else
        cJSON_AddNullToObject (obj, "eta");
      cJSON_AddBoolToObject (obj, "committed", event->committed);
      cJSON_AddNumberToObject (obj, "overall", event->overall);
      break;
    case OTA_EVENT_LOG:
      if (event->stage != 0)
        cJSON_AddNumberToObject (obj, "stage", event->stage);
      add_string (obj, "level", ota_log_level_to_string (event->level));
      add_string (obj, "code", ota_event_code_to_string (event->code));
      add_string (obj, "message", event->message);
      if (event->code == OTA_EVENT_CODE_REBOOT_WAIT && event->network != NULL)
        add_string (obj, "network", event->network);
      if (event->code == OTA_EVENT_CODE_WIFI)
        {
          add_string (obj, "wifi_step", ota_wifi_step_to_string (event->wifi_step));
          add_string (obj, "network", event->network);
        }
      break;
    case OTA_EVENT_DEVICE:
    default:
      break;
    }
  return obj;
}

cJSON *
ota_event_file_to_json (const gchar *path, OtaUfw *ufw)
{
  cJSON *obj = cJSON_CreateObject ();
  cJSON *entries;
  cJSON *warnings_json;
  GPtrArray *warnings;

  cJSON_AddStringToObject (obj, "event", "file");
  add_string (obj, "path", path != NULL ? path : "");
  if (ufw == NULL)
    return obj;
  cJSON_AddNumberToObject (obj, "size", (double) ota_ufw_get_size (ufw));
  cJSON_AddStringToObject (obj, "sha256", ota_ufw_get_sha256 (ufw));
  cJSON_AddStringToObject (obj, "chip", ota_ufw_get_chip (ufw));
  add_string (obj, "version", ota_ufw_get_version (ufw));
  /* which length the entries' CRCs matched over (docs/cli.md) */
  add_string (obj, "crc_span", ota_ufw_crc_span_to_string (ota_ufw_get_crc_span (ufw)));
  entries = cJSON_AddArrayToObject (obj, "entries");
  for (guint i = 0; i < ota_ufw_get_n_entries (ufw); i++)
    {
      const OtaUfwEntry *e = ota_ufw_get_entry (ufw, i);
      cJSON *je = cJSON_CreateObject ();

      add_string (je, "name", e->name);
      cJSON_AddNumberToObject (je, "type", e->type);
      cJSON_AddNumberToObject (je, "offset", e->offset);
      cJSON_AddNumberToObject (je, "size", e->size);
      add_string (je, "crc_span", ota_ufw_crc_span_to_string (ota_ufw_get_entry_crc_span (ufw, i)));
      cJSON_AddItemToArray (entries, je);
    }
  warnings = ota_ufw_get_warnings (ufw);
  warnings_json = cJSON_AddArrayToObject (obj, "warnings");
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    {
      g_autofree gchar *valid = ota_text_make_valid_utf8 (g_ptr_array_index (warnings, i), -1);
      cJSON_AddItemToArray (warnings_json, cJSON_CreateString (valid));
    }
  return obj;
}
