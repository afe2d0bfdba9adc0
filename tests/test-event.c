/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestEvent"

/* OtaEvent as JSON: every field docs/cli.md lists for each event, with its
 * type; copies are deep. */

#include <string.h>

#include "ota-description.h"
#include "ota-event-writer.h"
#include "ota-event.h"

#define DESC_JSON                                                                                  \
  "{\"app_list\":{\"match_android_ver\":[\"1.0\",\"2.0\"]},\"device_type\":\"1\","                 \
  "\"product_type\":\"AC79x_wifi_camera\",\"ota_type\":\"1\",\"ota_step\":\"0\","                  \
  "\"firmware_version\":\"1.0.1\",\"match_app_type\":\"DVRunning 2\",\"uuid\":\"u-42\","           \
  "\"custom\":{\"a\":1}}"

static OtaDescription *
parse_desc (const gchar *json)
{
  g_autoptr (GError) error = NULL;
  OtaDescription *desc = ota_description_parse (json, strlen (json), &error);

  g_assert_no_error (error);
  g_assert_nonnull (desc);
  return desc;
}

static const cJSON *
get (const cJSON *obj, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (obj, key);

  if (item == NULL)
    g_error ("no \"%s\" in the event", key);
  return item;
}

static void
assert_string (const cJSON *obj, const gchar *key, const gchar *value)
{
  const cJSON *item = get (obj, key);

  g_assert_true (cJSON_IsString (item));
  g_assert_cmpstr (item->valuestring, ==, value);
}

static void
assert_number (const cJSON *obj, const gchar *key, gdouble value)
{
  const cJSON *item = get (obj, key);

  g_assert_true (cJSON_IsNumber (item));
  g_assert_cmpfloat (item->valuedouble, ==, value);
}

static void
assert_bool (const cJSON *obj, const gchar *key, gboolean value)
{
  const cJSON *item = get (obj, key);

  g_assert_true (cJSON_IsBool (item));
  g_assert_cmpint (cJSON_IsTrue (item), ==, value);
}

static void
assert_null (const cJSON *obj, const gchar *key)
{
  g_assert_true (cJSON_IsNull (get (obj, key)));
}

static void
assert_absent (const cJSON *obj, const gchar *key)
{
  g_assert_null (cJSON_GetObjectItemCaseSensitive (obj, key));
}

/* "event" first, then "t": the order of docs/cli.md's examples. */
static void
assert_head (const cJSON *obj, const gchar *kind, gdouble t)
{
  g_assert_true (cJSON_IsObject (obj));
  g_assert_nonnull (obj->child);
  g_assert_cmpstr (obj->child->string, ==, "event");
  g_assert_nonnull (obj->child->next);
  g_assert_cmpstr (obj->child->next->string, ==, "t");
  assert_string (obj, "event", kind);
  assert_number (obj, "t", t);
}

/* One JSON line, as the one writer prints it. */
static gchar *
event_line (const OtaEvent *event)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (OtaEventWriter) writer = ota_event_writer_new ();

  ota_event_writer_add_lines (writer, lines);
  g_assert_true (ota_event_writer_event (writer, event));
  g_assert_cmpuint (lines->len, ==, 1);
  return g_strdup (g_ptr_array_index (lines, 0));
}

/* The compact line is the same object, on one line. */
static cJSON *
to_json_checked (const OtaEvent *event)
{
  g_autofree gchar *line = event_line (event);
  g_autoptr (cJSON) direct = ota_event_to_json (event);
  cJSON *parsed = cJSON_Parse (line);

  g_assert_nonnull (parsed);
  g_assert_null (strchr (line, '\n'));
  g_assert_true (cJSON_Compare (parsed, direct, TRUE));
  return parsed;
}

static void
test_kind_names (void)
{
  g_assert_cmpstr (ota_event_kind_to_string (OTA_EVENT_DEVICE), ==, "device");
  g_assert_cmpstr (ota_event_kind_to_string (OTA_EVENT_STAGE), ==, "stage");
  g_assert_cmpstr (ota_event_kind_to_string (OTA_EVENT_PROGRESS), ==, "progress");
  g_assert_cmpstr (ota_event_kind_to_string (OTA_EVENT_LOG), ==, "log");
}

static void
test_device (void)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_DEVICE);
  g_autoptr (cJSON) obj = NULL;
  g_autoptr (cJSON) expected_desc = cJSON_Parse (DESC_JSON);
  const cJSON *description;

  event->t = 0.25;
  event->device = parse_desc (DESC_JSON);
  obj = to_json_checked (event);

  assert_head (obj, "device", 0.25);
  /* flattened: the description's fields at the top level */
  assert_absent (obj, "device");
  assert_string (obj, "product_type", "AC79x_wifi_camera");
  assert_string (obj, "firmware_version", "1.0.1");
  assert_string (obj, "ota_type", "1");
  assert_string (obj, "ota_step", "0");
  assert_string (obj, "uuid", "u-42");
  assert_string (obj, "match_app_type", "DVRunning 2");
  assert_bool (obj, "single_backup", TRUE);
  assert_bool (obj, "stage_two_pending", FALSE);
  /* the device's whole document, unknown fields included */
  description = get (obj, "description");
  g_assert_true (cJSON_IsObject (description));
  g_assert_true (cJSON_Compare (description, expected_desc, TRUE));
  assert_number (get (description, "custom"), "a", 1);
  g_assert_cmpint (cJSON_GetArraySize (obj), ==, 11);
}

/* Fields missing from the description are null, never absent. */
static void
test_device_sparse (void)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_DEVICE);
  g_autoptr (cJSON) obj = NULL;

  event->t = 3;
  event->device = parse_desc ("{\"ota_type\":\"1\",\"ota_step\":\"1\"}");
  obj = to_json_checked (event);
  assert_head (obj, "device", 3);
  assert_null (obj, "product_type");
  assert_null (obj, "firmware_version");
  assert_null (obj, "uuid");
  assert_null (obj, "match_app_type");
  assert_string (obj, "ota_step", "1");
  assert_bool (obj, "single_backup", TRUE);
  assert_bool (obj, "stage_two_pending", TRUE);
  g_assert_true (cJSON_IsObject (get (obj, "description")));
}

static void
test_device_dual_backup (void)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_DEVICE);
  g_autoptr (cJSON) obj = NULL;

  event->device = parse_desc ("{\"ota_type\":\"0\",\"ota_step\":\"0\"}");
  obj = to_json_checked (event);
  assert_string (obj, "ota_type", "0");
  assert_bool (obj, "single_backup", FALSE);
  assert_bool (obj, "stage_two_pending", FALSE);
}

static void
test_stage (void)
{
  g_autoptr (OtaEvent) start = ota_event_new (OTA_EVENT_STAGE);
  g_autoptr (OtaEvent) end = ota_event_new (OTA_EVENT_STAGE);
  g_autoptr (cJSON) obj = NULL;

  start->t = 0.01;
  start->stage = 1;
  start->state = OTA_STAGE_STATE_START;
  obj = to_json_checked (start);
  assert_head (obj, "stage", 0.01);
  assert_number (obj, "stage", 1);
  assert_string (obj, "state", "start");
  /* outcome and message only at the end */
  assert_absent (obj, "outcome");
  assert_absent (obj, "message");
  g_clear_pointer (&obj, cJSON_Delete);

  end->t = 12.5;
  end->stage = 2;
  end->state = OTA_STAGE_STATE_END;
  end->outcome = OTA_STAGE_OUTCOME_ERROR;
  end->message = g_strdup ("the device reported an error");
  obj = to_json_checked (end);
  assert_head (obj, "stage", 12.5);
  assert_number (obj, "stage", 2);
  assert_string (obj, "state", "end");
  assert_string (obj, "outcome", "error");
  assert_string (obj, "message", "the device reported an error");
}

static void
test_progress (void)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_PROGRESS);
  g_autoptr (cJSON) obj = NULL;

  /* eta is unknown until set */
  g_assert_cmpint (event->eta, ==, -1);
  event->t = 0.5;
  event->stage = 1;
  event->percent = 55;
  event->bytes = 40872;
  event->total = 71683;
  event->rate = 81000.75;
  obj = to_json_checked (event);
  assert_head (obj, "progress", 0.5);
  assert_number (obj, "stage", 1);
  assert_number (obj, "percent", 55);
  assert_number (obj, "bytes", 40872);
  assert_number (obj, "total", 71683);
  assert_number (obj, "rate", 81000);
  assert_null (obj, "eta");
  assert_bool (obj, "committed", FALSE);
  g_clear_pointer (&obj, cJSON_Delete);

  /* beyond 32 bits, and a known eta */
  event->bytes = G_GUINT64_CONSTANT (5000000000);
  event->total = G_GUINT64_CONSTANT (6000000000);
  event->eta = 0;
  event->committed = TRUE;
  obj = to_json_checked (event);
  assert_number (obj, "bytes", 5000000000.0);
  assert_number (obj, "total", 6000000000.0);
  assert_number (obj, "eta", 0);
  assert_bool (obj, "committed", TRUE);
}

static void
test_log (void)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_LOG);
  g_autoptr (cJSON) obj = NULL;

  event->t = 0.12;
  event->stage = 1;
  event->level = OTA_LOG_LEVEL_WARNING;
  event->code = OTA_EVENT_CODE_POINT_OF_NO_RETURN;
  event->message = g_strdup ("The device has started writing");
  obj = to_json_checked (event);
  assert_head (obj, "log", 0.12);
  assert_number (obj, "stage", 1);
  assert_string (obj, "level", "warning");
  assert_string (obj, "code", "point-of-no-return");
  assert_string (obj, "message", "The device has started writing");
  g_clear_pointer (&obj, cJSON_Delete);

  /* not about a stage: no "stage"; the level defaults to info */
  event->stage = 0;
  event->level = OTA_LOG_LEVEL_INFO;
  obj = to_json_checked (event);
  assert_absent (obj, "stage");
  assert_string (obj, "level", "info");
}

static OtaEvent *
make_event (OtaEventKind kind)
{
  OtaEvent *event = ota_event_new (kind);

  event->t = 1.5;
  event->stage = 2;
  switch (kind)
    {
    case OTA_EVENT_DEVICE:
      event->device = parse_desc (DESC_JSON);
      break;
    case OTA_EVENT_STAGE:
      event->state = OTA_STAGE_STATE_END;
      event->outcome = OTA_STAGE_OUTCOME_CANCELLED;
      event->message = g_strdup ("cancelled by the user");
      break;
    case OTA_EVENT_PROGRESS:
      event->percent = 99;
      event->bytes = 123;
      event->total = 456;
      event->rate = 10;
      event->eta = 7;
      event->committed = TRUE;
      break;
    case OTA_EVENT_LOG:
    default:
      event->level = OTA_LOG_LEVEL_INFO;
      event->code = OTA_EVENT_CODE_RETRY;
      event->message = g_strdup ("again");
      break;
    }
  return event;
}

/* A copy owns everything: it outlives the original, JSON unchanged. */
static void
test_copy (void)
{
  for (OtaEventKind kind = OTA_EVENT_DEVICE; kind <= OTA_EVENT_LOG; kind++)
    {
      OtaEvent *event = make_event (kind);
      g_autoptr (OtaEvent) copy = ota_event_copy (event);
      g_autofree gchar *before = event_line (event);
      g_autofree gchar *after = NULL;

      g_assert_cmpint (copy->kind, ==, kind);
      if (event->message != NULL)
        g_assert_true (copy->message != event->message);
      if (event->device != NULL)
        {
          g_assert_true (copy->device != event->device);
          g_assert_true (copy->device->raw_json != event->device->raw_json);
          g_assert_cmpstr (copy->device->raw_json, ==, event->device->raw_json);
        }
      ota_event_free (event);
      after = event_line (copy);
      g_assert_cmpstr (after, ==, before);
    }
  /* and the empty case */
  {
    g_autoptr (OtaEvent) empty = ota_event_new (OTA_EVENT_LOG);
    g_autoptr (OtaEvent) copy = ota_event_copy (empty);

    g_assert_null (copy->message);
    g_assert_null (copy->device);
    g_assert_cmpint (copy->eta, ==, -1);
  }
  ota_event_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ota/event/kind-names", test_kind_names);
  g_test_add_func ("/ota/event/device", test_device);
  g_test_add_func ("/ota/event/device-sparse", test_device_sparse);
  g_test_add_func ("/ota/event/device-dual-backup", test_device_dual_backup);
  g_test_add_func ("/ota/event/stage", test_stage);
  g_test_add_func ("/ota/event/progress", test_progress);
  g_test_add_func ("/ota/event/log", test_log);
  g_test_add_func ("/ota/event/copy", test_copy);
  return g_test_run ();
}
