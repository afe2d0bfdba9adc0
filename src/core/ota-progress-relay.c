/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-progress-relay.h"

/* Progress is delivered at most this often. Without a limit, an idle main
 * loop took every progress event on its own dispatch: one wakeup of the UI
 * thread per READ, thousands per second on a fast link, each competing with
 * the transfer for the CPU. A front-end redraws no faster than this anyway.
 * Other events are never delayed by more than this either. */
#define PROGRESS_INTERVAL_MS 40

struct _OtaProgressRelay {
  gint ref_count;
  GMainContext *context;
  OtaEventFunc func;
  gpointer user_data;
  GMutex lock;
  GQueue queue; /* OtaEvent*, oldest first */
  gboolean scheduled;
  gint64 last_delivery; /* monotonic time of the last batch delivered; 0: none yet */
  guint last_delay_ms;  /* what the last scheduled source waits */
  OtaRelayClockFunc clock;
  gpointer clock_data;
  gint disconnected; /* atomic: read while delivering without the lock */
  guint pushed, delivered, dispatches;
};

static gint64
real_clock (gpointer user_data)
{
  return g_get_monotonic_time ();
}

OtaProgressRelay *
ota_progress_relay_new (GMainContext *context, OtaEventFunc func, gpointer user_data)
{
  OtaProgressRelay *self = g_new0 (OtaProgressRelay, 1);

  self->ref_count = 1;
  self->context
      = context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->func = func;
  self->user_data = user_data;
  g_mutex_init (&self->lock);
  g_queue_init (&self->queue);
  self->clock = real_clock;
  return self;
}

void
ota_progress_relay_set_clock (OtaProgressRelay *self, OtaRelayClockFunc func, gpointer user_data)
{
  g_mutex_lock (&self->lock);
  self->clock = func != NULL ? func : real_clock;
  self->clock_data = user_data;
  g_mutex_unlock (&self->lock);
}

OtaProgressRelay *
ota_progress_relay_ref (OtaProgressRelay *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
ota_progress_relay_unref (OtaProgressRelay *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_queue_clear_full (&self->queue, (GDestroyNotify) ota_event_free);
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->context);
  g_free (self);
}

void
ota_progress_relay_flush (OtaProgressRelay *self)
{
  GQueue batch = G_QUEUE_INIT;
  OtaEvent *event;

  g_mutex_lock (&self->lock);
  batch = self->queue;
  g_queue_init (&self->queue);
  self->scheduled = FALSE;
  if (batch.length > 0)
    self->last_delivery = self->clock (self->clock_data);
  if (self->disconnected)
    {
      g_mutex_unlock (&self->lock);
      g_queue_clear_full (&batch, (GDestroyNotify) ota_event_free);
      return;
    }
  self->delivered += batch.length;
  g_mutex_unlock (&self->lock);

  while ((event = g_queue_pop_head (&batch)) != NULL)
    {
      if (self->func != NULL && !g_atomic_int_get (&self->disconnected))
        self->func (event, self->user_data);
      ota_event_free (event);
    }
}

static gboolean
dispatch_cb (gpointer data)
{
  OtaProgressRelay *self = data;

  g_mutex_lock (&self->lock);
  self->dispatches++;
  g_mutex_unlock (&self->lock);
  ota_progress_relay_flush (self);
  return G_SOURCE_REMOVE;
}

void
ota_progress_relay_push (const OtaEvent *event, gpointer relay)
{
  OtaProgressRelay *self = relay;
  OtaEvent *tail;
  gboolean schedule = FALSE;
  guint delay_ms = 0;

  g_mutex_lock (&self->lock);
  self->pushed++;
  if (self->disconnected)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  tail = g_queue_peek_tail (&self->queue);
  if (event->kind == OTA_EVENT_PROGRESS && tail != NULL && tail->kind == OTA_EVENT_PROGRESS)
    {
      /* only the latest progress matters */
      g_queue_pop_tail (&self->queue);
      ota_event_free (tail);
    }
  g_queue_push_tail (&self->queue, ota_event_copy (event));
  if (!self->scheduled)
    {
      gint64 since = self->clock (self->clock_data) - self->last_delivery;

      self->scheduled = TRUE;
      schedule = TRUE;
      /* progress right after a delivery waits for the rest of the interval,
       * coalescing what comes meanwhile; anything else goes at once */
      if (event->kind == OTA_EVENT_PROGRESS && self->last_delivery != 0
          && since < PROGRESS_INTERVAL_MS * 1000)
        delay_ms = (guint) ((PROGRESS_INTERVAL_MS * 1000 - since + 999) / 1000);
      self->last_delay_ms = delay_ms;
    }
  g_mutex_unlock (&self->lock);

  if (schedule)
    {
      g_autoptr (GSource) source
          = delay_ms > 0 ? g_timeout_source_new (delay_ms) : g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, dispatch_cb, ota_progress_relay_ref (self),
                             (GDestroyNotify) ota_progress_relay_unref);
      g_source_set_name (source, "[otaflash] progress relay");
      g_source_attach (source, self->context);
    }
}

void
ota_progress_relay_disconnect (OtaProgressRelay *self)
{
  g_mutex_lock (&self->lock);
  g_atomic_int_set (&self->disconnected, TRUE);
  g_queue_clear_full (&self->queue, (GDestroyNotify) ota_event_free);
  g_queue_init (&self->queue);
  g_mutex_unlock (&self->lock);
}

guint
ota_progress_relay_get_last_delay (OtaProgressRelay *self)
{
  guint delay;

  g_mutex_lock (&self->lock);
  delay = self->last_delay_ms;
  g_mutex_unlock (&self->lock);
  return delay;
}

void
ota_progress_relay_get_counts (OtaProgressRelay *self, guint *pushed, guint *delivered,
                               guint *dispatches)
{
  g_mutex_lock (&self->lock);
  if (pushed != NULL)
    *pushed = self->pushed;
  if (delivered != NULL)
    *delivered = self->delivered;
  if (dispatches != NULL)
    *dispatches = self->dispatches;
  g_mutex_unlock (&self->lock);
}
