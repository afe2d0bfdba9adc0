/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-file-check.h"

typedef struct {
  OtaFirmware *firmware;
  OtaUfw *ufw;
} CheckResult;

static void
check_result_free (CheckResult *r)
{
  g_clear_object (&r->firmware);
  g_clear_object (&r->ufw);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CheckResult, check_result_free)

static void
check_thread_cb (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const gchar *path = task_data;
  g_autoptr (CheckResult) r = g_new0 (CheckResult, 1);
  GError *error = NULL;

  r->firmware = ota_firmware_open (path, &error);
  if (r->firmware != NULL)
    r->ufw = ota_ufw_load (r->firmware, OTA_UFW_CHECK_DEFAULT, cancellable, &error);
  if (r->ufw == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&r), (GDestroyNotify) check_result_free);
}

void
ota_file_check_async (const gchar *path, GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (path != NULL);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ota_file_check_async);
  g_task_set_name (task, "[otaflash] check firmware file");
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, check_thread_cb);
}

OtaUfw *
ota_file_check_finish (GAsyncResult *result, OtaFirmware **out_firmware, GError **error)
{
  g_autoptr (CheckResult) r = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return NULL;
  if (out_firmware != NULL)
    *out_firmware = g_steal_pointer (&r->firmware);
  return g_steal_pointer (&r->ufw);
}
