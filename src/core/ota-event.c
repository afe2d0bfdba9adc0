/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-event.h"

#include "ota-ctp-frame.h"

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
  copy->state = g_strdup (event->state);
  copy->outcome = g_strdup (event->outcome);
  copy->level = g_strdup (event->level);
  copy->code = g_strdup (event->code);
  copy->message = g_strdup (event->message);
  copy->device = event->device != NULL ? ota_description_copy (event->device) : NULL;
  return copy;
}

void
ota_event_free (OtaEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->state);
  g_free (event->outcome);
  g_free (event->level);
  g_free (event->code);
  g_free (event->message);
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

static void
add_string (cJSON *obj, const gchar *key, const gchar *value)
{
  if (value != NULL)
    cJSON_AddStringToObject (obj, key, value);
  else
    cJSON_AddNullToObject (obj, key);
}

cJSON *
ota_description_to_json (const OtaDescription *desc)
{
  cJSON *obj = cJSON_CreateObject ();
  cJSON *raw = desc->raw_json != NULL ? cJSON_Parse (desc->raw_json) : NULL;

  add_string (obj, "product_type", desc->product_type);
  add_string (obj, "firmware_version", desc->firmware_version);
  add_string (obj, "ota_type", desc->ota_type);
  add_string (obj, "ota_step", desc->ota_step);
  add_string (obj, "uuid", desc->uuid);
  add_string (obj, "match_app_type", desc->match_app_type);
  cJSON_AddBoolToObject (obj, "single_backup", ota_description_is_single_backup (desc));
  cJSON_AddBoolToObject (obj, "stage_two_pending", ota_description_needs_stage_two (desc));
  if (raw != NULL)
    cJSON_AddItemToObject (obj, "description", raw);
  return obj;
}

cJSON *
ota_event_to_json (const OtaEvent *event)
{
  cJSON *obj;

  if (event->kind == OTA_EVENT_DEVICE && event->device != NULL)
    {
      g_autoptr(cJSON) dev = ota_description_to_json (event->device);
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
      add_string (obj, "state", event->state);
      if (event->outcome != NULL)
        cJSON_AddStringToObject (obj, "outcome", event->outcome);
      if (event->message != NULL)
        cJSON_AddStringToObject (obj, "message", event->message);
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
      break;
    case OTA_EVENT_LOG:
      if (event->stage != 0)
        cJSON_AddNumberToObject (obj, "stage", event->stage);
      add_string (obj, "level", event->level != NULL ? event->level : "info");
      add_string (obj, "code", event->code);
      add_string (obj, "message", event->message);
      break;
    case OTA_EVENT_DEVICE:
    default:
      break;
    }
  return obj;
}

gchar *
ota_event_to_json_line (const OtaEvent *event)
{
  g_autoptr(cJSON) obj = ota_event_to_json (event);
  char *text = cJSON_PrintUnformatted (obj);
  gchar *line = g_strdup (text);

  cJSON_free (text);
  return line;
}

cJSON *
ota_event_file_to_json (const gchar *path, OtaUfw *ufw)
{
  cJSON *obj = cJSON_CreateObject ();
  cJSON *entries;
  cJSON *warnings_json;
  GPtrArray *warnings;

  cJSON_AddStringToObject (obj, "event", "file");
  cJSON_AddStringToObject (obj, "path", path != NULL ? path : "");
  if (ufw == NULL)
    return obj;
  cJSON_AddNumberToObject (obj, "size", (double) ota_ufw_get_size (ufw));
  cJSON_AddStringToObject (obj, "sha256", ota_ufw_get_sha256 (ufw));
  cJSON_AddStringToObject (obj, "chip", ota_ufw_get_chip (ufw));
  add_string (obj, "version", ota_ufw_get_version (ufw));
  entries = cJSON_AddArrayToObject (obj, "entries");
  for (guint i = 0; i < ota_ufw_get_n_entries (ufw); i++)
    {
      const OtaUfwEntry *e = ota_ufw_get_entry (ufw, i);
      cJSON *je = cJSON_CreateObject ();

      cJSON_AddStringToObject (je, "name", e->name);
      cJSON_AddNumberToObject (je, "type", e->type);
      cJSON_AddNumberToObject (je, "offset", e->offset);
      cJSON_AddNumberToObject (je, "size", e->size);
      cJSON_AddItemToArray (entries, je);
    }
  warnings = ota_ufw_get_warnings (ufw);
  warnings_json = cJSON_AddArrayToObject (obj, "warnings");
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    cJSON_AddItemToArray (warnings_json, cJSON_CreateString (g_ptr_array_index (warnings, i)));
  return obj;
}
