/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-device-monitor.h"

#include "ota-http-client.h"

/* typing an address: wait a moment before reading it */
#define DEBOUNCE_MS 300

struct _OtaDeviceMonitor {
  GObject parent_instance;

  gchar *host;
  guint16 http_port;
  gboolean paused;
  gboolean busy;
  gboolean again;   /* read once more when the read in flight returns */
  guint generation; /* bumped by each new target */
  guint timeout_id;
  GCancellable *cancellable; /* of the read in flight */
};

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};
enum {
  SIGNAL_UPDATED,
  N_SIGNALS
};
static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OtaDeviceMonitor, ota_device_monitor, G_TYPE_OBJECT)

typedef struct {
  gchar *host;
  guint16 port;
  guint generation;
} ReadData;

static void
read_data_free (ReadData *d)
{
  g_free (d->host);
  g_free (d);
}

static void schedule (OtaDeviceMonitor *self, guint delay_ms);

static void
set_busy (OtaDeviceMonitor *self, gboolean busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

static void
read_thread_cb (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ReadData *d = task_data;
  GError *error = NULL;
  OtaDescription *desc;

  desc = ota_http_fetch_description (d->host, d->port, OTA_DEVICE_MONITOR_TIMEOUT_MS, cancellable,
                                     &error);
  if (desc == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, desc, (GDestroyNotify) ota_description_free);
}

static void
read_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  OtaDeviceMonitor *self = OTA_DEVICE_MONITOR (source);
  ReadData *d = g_task_get_task_data (G_TASK (res));
  g_autoptr (OtaDescription) desc = NULL;
  g_autoptr (GError) error = NULL;
  gboolean current;

  desc = g_task_propagate_pointer (G_TASK (res), &error);
  current = d->generation == self->generation && !self->paused
            && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  if (current)
    g_signal_emit (self, signals[SIGNAL_UPDATED], 0, desc, error);
  if (!self->paused && self->host != NULL)
    {
      schedule (self, self->again ? 0 : OTA_DEVICE_MONITOR_INTERVAL_MS);
      self->again = FALSE;
    }
}

static void
start_read (OtaDeviceMonitor *self)
{
  g_autoptr (GTask) task = NULL;
  ReadData *d;

  if (self->paused || self->host == NULL)
    return;
  if (self->busy)
    {
      self->again = TRUE;
      return;
    }
  d = g_new0 (ReadData, 1);
  d->host = g_strdup (self->host);
  d->port = self->http_port;
  d->generation = self->generation;
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, read_done_cb, NULL);
  g_task_set_source_tag (task, start_read);
  g_task_set_name (task, "[otaflash] read device description");
  g_task_set_task_data (task, d, (GDestroyNotify) read_data_free);
  set_busy (self, TRUE);
  g_task_run_in_thread (task, read_thread_cb);
}

static gboolean
timeout_cb (gpointer user_data)
{
  OtaDeviceMonitor *self = user_data;

  self->timeout_id = 0;
  start_read (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (OtaDeviceMonitor *self, guint delay_ms)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->timeout_id = g_timeout_add (delay_ms, timeout_cb, self);
  g_source_set_name_by_id (self->timeout_id, "[otaflash] device refresh");
}

static void
cancel_read (OtaDeviceMonitor *self)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->again = FALSE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

void
ota_device_monitor_set_target (OtaDeviceMonitor *self, const gchar *host, guint16 http_port)
{
  g_return_if_fail (OTA_IS_DEVICE_MONITOR (self));
  g_return_if_fail (host != NULL);

  if (g_strcmp0 (self->host, host) == 0 && self->http_port == http_port)
    return;
  g_free (self->host);
  self->host = g_strdup (host);
  self->http_port = http_port;
  self->generation++;
  cancel_read (self);
  if (!self->paused)
    {
      if (self->busy)
        self->again = TRUE;
      else
        schedule (self, DEBOUNCE_MS);
    }
}

void
ota_device_monitor_set_paused (OtaDeviceMonitor *self, gboolean paused)
{
  g_return_if_fail (OTA_IS_DEVICE_MONITOR (self));

  paused = !!paused;
  if (self->paused == paused)
    return;
  self->paused = paused;
  if (paused)
    cancel_read (self);
  else
    start_read (self);
}

gboolean
ota_device_monitor_get_busy (OtaDeviceMonitor *self)
{
  g_return_val_if_fail (OTA_IS_DEVICE_MONITOR (self), FALSE);
  return self->busy;
}

static void
ota_device_monitor_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OtaDeviceMonitor *self = OTA_DEVICE_MONITOR (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ota_device_monitor_dispose (GObject *object)
{
  OtaDeviceMonitor *self = OTA_DEVICE_MONITOR (object);

  self->paused = TRUE;
  cancel_read (self);
  G_OBJECT_CLASS (ota_device_monitor_parent_class)->dispose (object);
}

static void
ota_device_monitor_finalize (GObject *object)
{
  OtaDeviceMonitor *self = OTA_DEVICE_MONITOR (object);

  g_clear_object (&self->cancellable);
  g_free (self->host);
  G_OBJECT_CLASS (ota_device_monitor_parent_class)->finalize (object);
}

static void
ota_device_monitor_class_init (OtaDeviceMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ota_device_monitor_get_property;
  object_class->dispose = ota_device_monitor_dispose;
  object_class->finalize = ota_device_monitor_finalize;

  props[PROP_BUSY] = g_param_spec_boolean ("busy", "Busy", "A read is in flight", FALSE,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_UPDATED]
      = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_POINTER);
}

static void
ota_device_monitor_init (OtaDeviceMonitor *self)
{
  self->paused = TRUE;
}

OtaDeviceMonitor *
ota_device_monitor_new (void)
{
  return g_object_new (OTA_TYPE_DEVICE_MONITOR, NULL);
}
