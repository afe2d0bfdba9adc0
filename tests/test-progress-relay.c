/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestRelay"

/* OtaProgressRelay: events pushed from a worker thread arrive in the main
 * context in order, runs of progress coalesced to their latest, with at most
 * one idle source pending. */

#include "ota-progress-relay.h"

#define N_PROGRESS 10000u
#define LOG_EVERY 1000u           /* a log event after progress 500, 1500, ... */
#define N_LOGS (N_PROGRESS / LOG_EVERY)
#define TIMEOUT_S 10

typedef struct {
  GThread *main_thread;
  GPtrArray *others;          /* OtaEvent copies of every non-progress event, in order */
  guint progress_seen;
  guint64 last_bytes;         /* bytes of the latest progress delivered */
  gboolean finished;          /* the last progress (N_PROGRESS) arrived */
  OtaProgressRelay *disconnect_on;   /* disconnect this relay on a "disconnect" log */
} Sink;

static void
sink_init (Sink *sink)
{
  sink->main_thread = g_thread_self ();
  sink->others = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_event_free);
  sink->progress_seen = 0;
  sink->last_bytes = 0;
  sink->finished = FALSE;
  sink->disconnect_on = NULL;
}

static void
sink_clear (Sink *sink)
{
  g_ptr_array_unref (sink->others);
}

static void
sink_cb (const OtaEvent *event, gpointer user_data)
{
  Sink *sink = user_data;

  /* always in the thread that runs the context */
  g_assert_true (g_thread_self () == sink->main_thread);
  if (event->kind == OTA_EVENT_PROGRESS)
    {
      /* order kept: progress only grows */
      g_assert_cmpuint (event->bytes, >, sink->last_bytes);
      g_assert_cmpuint (event->total, ==, N_PROGRESS);
      sink->last_bytes = event->bytes;
      sink->progress_seen++;
      if (event->bytes == N_PROGRESS)
        sink->finished = TRUE;
      return;
    }
  if (event->kind == OTA_EVENT_LOG && g_strcmp0 (event->code, "mark") == 0)
    {
      /* the progress pushed just before this log was not dropped: it ends a
       * run, so it is the one delivered before the log */
      guint64 pushed_before = g_ascii_strtoull (event->message, NULL, 10);

      g_assert_cmpuint (sink->last_bytes, ==, pushed_before);
    }
  if (sink->disconnect_on != NULL && g_strcmp0 (event->code, "disconnect") == 0)
    ota_progress_relay_disconnect (sink->disconnect_on);
  g_ptr_array_add (sink->others, ota_event_copy (event));
}

static void
push_log (OtaProgressRelay *relay, const gchar *code, const gchar *message)
{
  g_autoptr(OtaEvent) event = ota_event_new (OTA_EVENT_LOG);

  event->stage = 1;
  event->level = g_strdup ("info");
  event->code = g_strdup (code);
  event->message = g_strdup (message);
  ota_progress_relay_push (event, relay);
}

static void
push_progress (OtaProgressRelay *relay, guint64 bytes)
{
  g_autoptr(OtaEvent) event = ota_event_new (OTA_EVENT_PROGRESS);

  event->stage = 1;
  event->bytes = bytes;
  event->total = N_PROGRESS;
  event->percent = (guint) (bytes * 100 / N_PROGRESS);
  event->committed = TRUE;
  ota_progress_relay_push (event, relay);
}

/* The worker: a stage start, N_PROGRESS progress events with a log event
 * after every LOG_EVERY-th (starting at 500), ending with progress. */
static gpointer
worker_cb (gpointer data)
{
  g_autoptr(OtaProgressRelay) relay = data;   /* the worker's own reference */
  g_autoptr(OtaEvent) start = ota_event_new (OTA_EVENT_STAGE);

  start->stage = 1;
  start->state = g_strdup ("start");
  ota_progress_relay_push (start, relay);
  for (guint64 i = 1; i <= N_PROGRESS; i++)
    {
      push_progress (relay, i);
      if (i % LOG_EVERY == LOG_EVERY / 2)
        {
          g_autofree gchar *msg = g_strdup_printf ("%" G_GUINT64_FORMAT, i);
          push_log (relay, "mark", msg);
        }
    }
  return NULL;
}

static gboolean
timeout_cb (gpointer data)
{
  g_error ("the relay did not deliver everything within %d s", TIMEOUT_S);
  return G_SOURCE_REMOVE;
}

static void
assert_others_in_order (Sink *sink)
{
  OtaEvent *first;

  g_assert_cmpuint (sink->others->len, ==, 1 + N_LOGS);
  first = g_ptr_array_index (sink->others, 0);
  g_assert_cmpint (first->kind, ==, OTA_EVENT_STAGE);
  g_assert_cmpstr (first->state, ==, "start");
  for (guint i = 1; i <= N_LOGS; i++)
    {
      OtaEvent *e = g_ptr_array_index (sink->others, i);
      g_autofree gchar *want = g_strdup_printf ("%u", (i - 1) * LOG_EVERY + LOG_EVERY / 2);

      g_assert_cmpint (e->kind, ==, OTA_EVENT_LOG);
      g_assert_cmpstr (e->code, ==, "mark");
      g_assert_cmpstr (e->message, ==, want);
    }
}

/* Everything pushed while the context is not running: one idle source, one
 * dispatch, each run of progress reduced to its last event. */
static void
test_coalesce_all (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (TIMEOUT_S);
  OtaProgressRelay *relay;
  GThread *worker;
  Sink sink;
  guint pushed, delivered, dispatches;

  g_main_context_push_thread_default (context);
  sink_init (&sink);
  g_source_set_callback (timeout, timeout_cb, NULL, NULL);
  g_source_attach (timeout, context);
  relay = ota_progress_relay_new (context, sink_cb, &sink);

  worker = g_thread_new ("worker", worker_cb, ota_progress_relay_ref (relay));
  g_thread_join (worker);
  ota_progress_relay_get_counts (relay, &pushed, &delivered, &dispatches);
  g_assert_cmpuint (pushed, ==, 1 + N_PROGRESS + N_LOGS);
  g_assert_cmpuint (delivered, ==, 0);
  g_assert_cmpuint (dispatches, ==, 0);

  while (!sink.finished)
    g_main_context_iteration (context, TRUE);
  while (g_main_context_iteration (context, FALSE))
    ;

  assert_others_in_order (&sink);
  /* the runs: 1..500, 501..1500, ..., 9501..10000 */
  g_assert_cmpuint (sink.progress_seen, ==, N_LOGS + 1);
  g_assert_cmpuint (sink.last_bytes, ==, N_PROGRESS);
  ota_progress_relay_get_counts (relay, &pushed, &delivered, &dispatches);
  g_assert_cmpuint (delivered, ==, 1 + N_LOGS + N_LOGS + 1);
  /* 10 011 pushes scheduled a single idle source */
  g_assert_cmpuint (dispatches, ==, 1);

  ota_progress_relay_unref (relay);
  g_source_destroy (timeout);
  sink_clear (&sink);
  g_main_context_pop_thread_default (context);
}

/* The worker pushes while the main loop runs. */
static void
test_concurrent (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (TIMEOUT_S);
  OtaProgressRelay *relay;
  GThread *worker;
  Sink sink;
  guint pushed, delivered, dispatches;

  g_main_context_push_thread_default (context);
  sink_init (&sink);
  g_source_set_callback (timeout, timeout_cb, NULL, NULL);
  g_source_attach (timeout, context);
  relay = ota_progress_relay_new (context, sink_cb, &sink);

  worker = g_thread_new ("worker", worker_cb, ota_progress_relay_ref (relay));
  while (!sink.finished)
    g_main_context_iteration (context, TRUE);
  g_thread_join (worker);
  while (g_main_context_iteration (context, FALSE))
    ;

  assert_others_in_order (&sink);
  g_assert_cmpuint (sink.last_bytes, ==, N_PROGRESS);
  g_assert_cmpuint (sink.progress_seen, >=, N_LOGS + 1);
  g_assert_cmpuint (sink.progress_seen, <, N_PROGRESS / 4);
  ota_progress_relay_get_counts (relay, &pushed, &delivered, &dispatches);
  g_test_message ("%u progress events delivered in %u dispatches", sink.progress_seen,
                  dispatches);
  g_assert_cmpuint (pushed, ==, 1 + N_PROGRESS + N_LOGS);
  g_assert_cmpuint (delivered, ==, sink.others->len + sink.progress_seen);
  g_assert_cmpuint (dispatches, >=, 1);
  g_assert_cmpuint (dispatches, <=, delivered);

  ota_progress_relay_unref (relay);
  g_source_destroy (timeout);
  sink_clear (&sink);
  g_main_context_pop_thread_default (context);
}

static void
drain (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
}

static void
test_disconnect (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(OtaProgressRelay) relay = NULL;
  Sink sink;
  guint pushed, delivered;

  sink_init (&sink);
  relay = ota_progress_relay_new (context, sink_cb, &sink);

  push_log (relay, "a", "1");
  drain (context);
  g_assert_cmpuint (sink.others->len, ==, 1);

  /* pending when disconnected: dropped; pushed later: dropped */
  push_log (relay, "b", "2");
  ota_progress_relay_disconnect (relay);
  push_log (relay, "c", "3");
  push_progress (relay, 5);
  drain (context);
  g_assert_cmpuint (sink.others->len, ==, 1);
  g_assert_cmpstr (((OtaEvent *) g_ptr_array_index (sink.others, 0))->code, ==, "a");
  g_assert_cmpuint (sink.progress_seen, ==, 0);
  ota_progress_relay_get_counts (relay, &pushed, &delivered, NULL);
  g_assert_cmpuint (pushed, ==, 4);
  g_assert_cmpuint (delivered, ==, 1);
  sink_clear (&sink);
}

/* Disconnecting from inside the callback stops the rest of the batch. */
static void
test_disconnect_in_callback (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(OtaProgressRelay) relay = NULL;
  Sink sink;

  sink_init (&sink);
  relay = ota_progress_relay_new (context, sink_cb, &sink);
  sink.disconnect_on = relay;
  push_log (relay, "before", "1");
  push_log (relay, "disconnect", "2");
  push_log (relay, "after", "3");
  drain (context);
  g_assert_cmpuint (sink.others->len, ==, 2);
  g_assert_cmpstr (((OtaEvent *) g_ptr_array_index (sink.others, 1))->code, ==, "disconnect");
  sink_clear (&sink);
}

/* flush() delivers at once; the idle source then finds nothing. */
static void
test_flush (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(OtaProgressRelay) relay = NULL;
  Sink sink;
  guint delivered, dispatches;

  sink_init (&sink);
  relay = ota_progress_relay_new (context, sink_cb, &sink);
  push_progress (relay, 1);
  push_progress (relay, 2);
  push_log (relay, "x", "2");
  ota_progress_relay_flush (relay);
  g_assert_cmpuint (sink.progress_seen, ==, 1);
  g_assert_cmpuint (sink.last_bytes, ==, 2);
  g_assert_cmpuint (sink.others->len, ==, 1);
  drain (context);
  ota_progress_relay_get_counts (relay, NULL, &delivered, &dispatches);
  g_assert_cmpuint (delivered, ==, 2);
  g_assert_cmpuint (dispatches, <=, 1);
  g_assert_cmpuint (sink.others->len, ==, 1);
  sink_clear (&sink);
}

/* The creator drops its reference while a source is pending and the worker
 * still pushes: the pending source keeps the relay alive until it ran. */
static void
test_outlives_creator (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  OtaProgressRelay *relay;
  GThread *worker;
  Sink sink;

  sink_init (&sink);
  relay = ota_progress_relay_new (context, sink_cb, &sink);
  worker = g_thread_new ("worker", worker_cb, ota_progress_relay_ref (relay));
  ota_progress_relay_unref (relay);
  relay = NULL;
  g_thread_join (worker);
  /* only the pending idle source holds the relay now */
  while (!sink.finished)
    g_main_context_iteration (context, TRUE);
  drain (context);
  assert_others_in_order (&sink);
  sink_clear (&sink);
}

/* The usual teardown of a window: disconnect, unref, with a source pending. */
static void
test_disconnect_then_unref_pending (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  OtaProgressRelay *relay;
  g_autoptr(OtaProgressRelay) observer = NULL;   /* only to read the counts */
  Sink sink;
  guint pushed, delivered, dispatches;

  sink_init (&sink);
  relay = ota_progress_relay_new (context, sink_cb, &sink);
  observer = ota_progress_relay_ref (relay);
  push_log (relay, "pending", "1");
  push_progress (relay, 1);
  ota_progress_relay_disconnect (relay);
  ota_progress_relay_unref (g_steal_pointer (&relay));
  /* the callback's data would be gone here: nothing may reach it */
  drain (context);
  g_assert_cmpuint (sink.others->len, ==, 0);
  g_assert_cmpuint (sink.progress_seen, ==, 0);
  ota_progress_relay_get_counts (observer, &pushed, &delivered, &dispatches);
  g_assert_cmpuint (pushed, ==, 2);
  g_assert_cmpuint (delivered, ==, 0);
  /* the pending source ran (and dropped the events) */
  g_assert_cmpuint (dispatches, ==, 1);
  sink_clear (&sink);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ota/relay/coalesce-all", test_coalesce_all);
  g_test_add_func ("/ota/relay/concurrent", test_concurrent);
  g_test_add_func ("/ota/relay/disconnect", test_disconnect);
  g_test_add_func ("/ota/relay/disconnect-in-callback", test_disconnect_in_callback);
  g_test_add_func ("/ota/relay/flush", test_flush);
  g_test_add_func ("/ota/relay/outlives-creator", test_outlives_creator);
  g_test_add_func ("/ota/relay/disconnect-then-unref", test_disconnect_then_unref_pending);
  return g_test_run ();
}
