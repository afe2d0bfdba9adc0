/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "FuzzDescription"

/* The device description (dev_desc.txt) as any bytes: parsed, copied and
 * turned into the "device" event of the CLI's JSON output. */

#include <string.h>
#include "fuzz-common.h"
#include "ota-description.h"
#include "ota-event.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = ota_description_parse ((const gchar *) data, size, &error);
  g_autoptr (OtaDescription) copy = NULL;
  g_autoptr (OtaEvent) event = NULL;
  g_autofree gchar *line = NULL;

  if (desc == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  {
    g_autoptr (cJSON) echo = ota_description_dup_json (desc, OTA_DESCRIPTION_ECHO_DEPTH);
    g_autofree gchar *ota_type = ota_description_describe_field (desc, "ota_type");
    g_autofree gchar *uuid = ota_description_describe_field (desc, "uuid");

    g_assert_nonnull (echo);
    g_assert_true (g_utf8_validate (ota_type, -1, NULL));
    g_assert_true (g_utf8_validate (uuid, -1, NULL));
  }
  copy = ota_description_copy (desc);
  g_assert_cmpstr (copy->raw_json, ==, desc->raw_json);
  (void) ota_description_is_single_backup (copy);
  (void) ota_description_needs_stage_two (copy);
  event = ota_event_new (OTA_EVENT_DEVICE);
  event->device = g_steal_pointer (&copy);
  {
    /* what --json prints: one line of valid UTF-8 */
    g_autoptr (cJSON) obj = ota_event_to_json (event);
    char *text = cJSON_PrintUnformatted (obj);

    g_assert_nonnull (text);
    line = g_strdup (text);
    cJSON_free (text);
  }
  g_assert_true (g_utf8_validate (line, -1, NULL));
  g_assert_null (strchr (line, '\n'));
  return 0;
}
