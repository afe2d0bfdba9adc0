/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestRelay"

/* OtaProgressRelay: events pushed from a worker thread arrive in the main
 * context in order, runs of progress coalesced to their latest, with at most
 * one idle source pending, and progress at most every 40 ms (timed). */

#include "ota-progress-relay.h"

/* two codes standing for the test's own marks */
#define MARK OTA_EVENT_CODE_RETRY
#define DISCONNECT OTA_EVENT_CODE_WIFI

#define N_PROGRESS 10000u
#define LOG_EVERY 1000u /* a log event after progress 500, 1500, ... */
#define N_LOGS (N_PROGRESS / LOG_EVERY)
#define TIMEOUT_S 10

typedef struct {
  GThread *main_thread;
  GPtrArray *others; /* OtaEvent copies of every non-progress event, in order */
  guint progress_seen;
  guint64 last_bytes;              /* bytes of the latest progress delivered */
  gboolean finished;               /* the last progress (N_PROGRESS) arrived */
  OtaProgressRelay *disconnect_on; /* disconnect this relay on a "disconnect" log */
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
  if (event->kind == OTA_EVENT_LOG && event->code == MARK)
    {
      /* the progress pushed just before this log was not dropped: it ends a
       * run, so it is the one delivered before the log */
      guint64 pushed_before = g_ascii_strtoull (event->message, NULL, 10);

      g_assert_cmpuint (sink->last_bytes, ==, pushed_before);
    }
  if (sink->disconnect_on != NULL && event->code == DISCONNECT)
    ota_progress_relay_disconnect (sink->disconnect_on);
  g_ptr_array_add (sink->others, ota_event_copy (event));
}

static void
push_log (OtaProgressRelay *relay, OtaEventCode code, const gchar *message)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_LOG);

  event->stage = 1;
  event->level = OTA_LOG_LEVEL_INFO;
  event->code = code;
  event->message = g_strdup (message);
  ota_progress_relay_push (event, relay);
}

static void
push_progress (OtaProgressRelay *relay, guint64 bytes)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_PROGRESS);

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
  g_autoptr (OtaProgressRelay) relay = data; /* the worker's own reference */
  g_autoptr (OtaEvent) start = ota_event_new (OTA_EVENT_STAGE);

  start->stage = 1;
  start->state = OTA_STAGE_STATE_START;
  ota_progress_relay_push (start, relay);
  for (guint64 i = 1; i <= N_PROGRESS; i++)
    {
      push_progress (relay, i);
      if (i % LOG_EVERY == LOG_EVERY / 2)
        {
          g_autofree gchar *msg = g_strdup_printf ("%" G_GUINT64_FORMAT, i);
          push_log (relay, MARK, msg);
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
  g_assert_cmpint (first->state, ==, OTA_STAGE_STATE_START);
  for (guint i = 1; i <= N_LOGS; i++)
    {
      OtaEvent *e = g_ptr_array_index (sink->others, i);
      g_autofree gchar *want = g_strdup_printf ("%u", (i - 1) * LOG_EVERY + LOG_EVERY / 2);

      g_assert_cmpint (e->kind, ==, OTA_EVENT_LOG);
      g_assert_cmpint (e->code, ==, MARK);
      g_assert_cmpstr (e->message, ==, want);
    }
}

/* Everything pushed while the context is not running: one idle source, one
 * dispatch, each run of progress reduced to its last event. */
static void
test_coalesce_all (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (TIMEOUT_S);
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
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (TIMEOUT_S);
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
  g_test_message ("%u progress events delivered in %u dispatches", sink.progress_seen, dispatches);
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
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (OtaProgressRelay) relay = NULL;
  Sink sink;
  guint pushed, delivered;

  sink_init (&sink);
  relay = ota_progress_relay_new (context, sink_cb, &sink);

  push_log (relay, OTA_EVENT_CODE_DEVICE, "1");
  drain (context);
  g_assert_cmpuint (sink.others->len, ==, 1);

  /* pending when disconnected: dropped; pushed later: dropped */
  push_log (relay, OTA_EVENT_CODE_CONNECT, "2");
  ota_progress_relay_disconnect (relay);
  push_log (relay, OTA_EVENT_CODE_TRANSFER, "3");
  push_progress (relay, 5);
  drain (context);
  g_assert_cmpuint (sink.others->len, ==, 1);
  g_assert_cmpint (((OtaEvent *) g_ptr_array_index (sink.others, 0))->code, ==,
                   OTA_EVENT_CODE_DEVICE);
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
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (OtaProgressRelay) relay = NULL;
  Sink sink;

  sink_init (&sink);
  relay = ota_progress_relay_new (context, sink_cb, &sink);
  sink.disconnect_on = relay;
  push_log (relay, OTA_EVENT_CODE_DEVICE, "1");
  push_log (relay, DISCONNECT, "2");
  push_log (relay, OTA_EVENT_CODE_TRANSFER, "3");
  drain (context);
  g_assert_cmpuint (sink.others->len, ==, 2);
  g_assert_cmpint (((OtaEvent *) g_ptr_array_index (sink.others, 1))->code, ==, DISCONNECT);
  sink_clear (&sink);
}

/* flush() delivers at once; the idle source then finds nothing. */
static void
test_flush (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (OtaProgressRelay) relay = NULL;
  Sink sink;
  guint delivered, dispatches;

  sink_init (&sink);
  relay = ota_progress_relay_new (context, sink_cb, &sink);
  push_progress (relay, 1);
  push_progress (relay, 2);
  push_log (relay, OTA_EVENT_CODE_DEVICE, "2");
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
  g_autoptr (GMainContext) context = g_main_context_new ();
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
  g_autoptr (GMainContext) context = g_main_context_new ();
  OtaProgressRelay *relay;
  g_autoptr (OtaProgressRelay) observer = NULL; /* only to read the counts */
  Sink sink;
  guint pushed, delivered, dispatches;

  sink_init (&sink);
  relay = ota_progress_relay_new (context, sink_cb, &sink);
  observer = ota_progress_relay_ref (relay);
  push_log (relay, OTA_EVENT_CODE_DEVICE, "1");
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

/* ---- the 40 ms limit, timed --------------------------------------------------- */

#define INTERVAL_US (40 * G_TIME_SPAN_MILLISECOND)
/* A timer may fire a little early only through rounding: allow 2 ms below */
#define MIN_GAP_US (INTERVAL_US - 2 * G_TIME_SPAN_MILLISECOND)
#define PACED_RUN_US G_TIME_SPAN_SECOND
#define PACED_STEP_US 1000
#define PACED_TOTAL G_MAXUINT32

typedef struct {
  GMainContext *context;
  GArray *progress;      /* Delivery: every progress delivered, in order */
  guint others;          /* non-progress events delivered */
  gint64 dispatch_start; /* when the current dispatch began (see iterate_timed) */
  /* written by the worker, read after it set done */
  gint64 first_push;
  gint64 last_push;
  guint64 last_value;
  gint done; /* atomic */
} Timing;

typedef struct {
  gint64 start; /* the dispatch that delivered it began: the relay's own clock
                 * reading for this delivery is later than this */
  gint64 at;    /* the callback ran: later than the relay's clock reading */
  guint64 bytes;
} Delivery;

static void
timing_cb (const OtaEvent *event, gpointer user_data)
{
  Timing *t = user_data;
  Delivery d = { t->dispatch_start, g_get_monotonic_time (), event->bytes };

  if (event->kind != OTA_EVENT_PROGRESS)
    {
      t->others++;
      return;
    }
  if (t->progress->len > 0)
    g_assert_cmpuint (event->bytes, >,
                      g_array_index (t->progress, Delivery, t->progress->len - 1).bytes);
  g_array_append_val (t->progress, d);
}

/* One g_main_context_iteration (blocking), with the time taken right before
 * the dispatch: every delivery in it happened after that. */
static void
iterate_timed (Timing *t)
{
  GPollFD fds[16];
  gint max_priority, timeout_ms, n;

  g_assert_true (g_main_context_acquire (t->context));
  g_main_context_prepare (t->context, &max_priority);
  n = g_main_context_query (t->context, max_priority, &timeout_ms, fds, G_N_ELEMENTS (fds));
  g_assert_cmpint (n, <=, (gint) G_N_ELEMENTS (fds));
  /* never block for long: the test's own deadline is checked by the caller */
  if (timeout_ms < 0 || timeout_ms > 100)
    timeout_ms = 100;
  g_poll (fds, (guint) n, timeout_ms);
  if (g_main_context_check (t->context, max_priority, fds, n))
    {
      t->dispatch_start = g_get_monotonic_time ();
      g_main_context_dispatch (t->context);
    }
  g_main_context_release (t->context);
}

static void
push_paced (OtaProgressRelay *relay, guint64 bytes)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_PROGRESS);

  event->stage = 2;
  event->bytes = bytes;
  event->total = PACED_TOTAL;
  ota_progress_relay_push (event, relay);
}

typedef struct {
  OtaProgressRelay *relay;
  Timing *timing;
} PacedWorker;

/* Progress about every millisecond for PACED_RUN_US, as a fast link would
 * (a READ answered every millisecond), then nothing: the last value must
 * still arrive. */
static gpointer
paced_worker_cb (gpointer data)
{
  PacedWorker *w = data;
  gint64 start = g_get_monotonic_time ();
  guint64 i = 0;

  w->timing->first_push = start;
  do
    {
      push_paced (w->relay, ++i);
      w->timing->last_push = g_get_monotonic_time ();
      g_usleep (PACED_STEP_US);
    }
  while (g_get_monotonic_time () - start < PACED_RUN_US);
  w->timing->last_value = i;
  g_atomic_int_set (&w->timing->done, TRUE);
  return NULL;
}

/* The worker pushes progress continuously for about a second while the main
 * loop runs: the deliveries are at least 40 ms apart (so at most one per
 * 40 ms of the run, where a relay without the limit delivers hundreds), the
 * stream does not stall, and the final value arrives although nothing
 * follows it. */
static void
test_interval (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  OtaProgressRelay *relay;
  PacedWorker w;
  GThread *worker;
  Timing t = { 0 };
  gint64 deadline, span, min_gap = G_MAXINT64, max_gap = 0;
  guint64 pushes;
  guint n, dispatches;

  t.context = context;
  t.progress = g_array_new (FALSE, FALSE, sizeof (Delivery));
  relay = ota_progress_relay_new (context, timing_cb, &t);
  w.relay = relay;
  w.timing = &t;

  worker = g_thread_new ("paced-worker", paced_worker_cb, &w);
  deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&t.done) || t.progress->len == 0
         || g_array_index (t.progress, Delivery, t.progress->len - 1).bytes != t.last_value)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the last progress (%" G_GUINT64_FORMAT ") did not arrive within %d s",
                 t.last_value, TIMEOUT_S);
      iterate_timed (&t);
    }
  g_thread_join (worker);
  pushes = t.last_value;
  n = t.progress->len;

  for (guint i = 1; i < n; i++)
    {
      const Delivery *prev = &g_array_index (t.progress, Delivery, i - 1);
      const Delivery *cur = &g_array_index (t.progress, Delivery, i);
      /* cur->at is after the relay timed this delivery, prev->start before
       * it timed the previous one: the gap between the two is at least this,
       * whatever the scheduler did in between */
      gint64 gap = cur->at - prev->start;

      if (gap < MIN_GAP_US)
        g_error ("progress %u (%" G_GUINT64_FORMAT
                 ") came %.1f ms after progress %u (%" G_GUINT64_FORMAT
                 "): the relay delivers progress at most every %d ms",
                 i, cur->bytes, gap / 1000.0, i - 1, prev->bytes, (gint) (INTERVAL_US / 1000));
      min_gap = MIN (min_gap, gap);
      max_gap = MAX (max_gap, cur->at - prev->at);
    }
  span = g_array_index (t.progress, Delivery, n - 1).at - t.first_push;
  ota_progress_relay_get_counts (relay, NULL, NULL, &dispatches);
  g_test_message ("%" G_GUINT64_FORMAT " progress events pushed in %.0f ms, %u delivered "
                  "(%u dispatches) in %.0f ms; gaps %.1f..%.1f ms",
                  pushes, (t.last_push - t.first_push) / 1000.0, n, dispatches, span / 1000.0,
                  min_gap / 1000.0, max_gap / 1000.0);

  /* the worker pushed much faster than the relay delivers: without the limit
   * every one of these would have been a delivery */
  g_assert_cmpuint (pushes, >, 2 * (PACED_RUN_US / INTERVAL_US));
  g_assert_cmpuint (pushes, >, 2 * n);
  /* at most one delivery per interval (the first one is immediate) */
  g_assert_cmpuint (n, <=, span / INTERVAL_US + 2);
  /* and not held back either: a second of progress is more than a few frames */
  g_assert_cmpuint (n, >=, 5);
  g_assert_cmpuint (t.others, ==, 0);
  /* the last value arrived (the loop above ended on it) and nothing after it */
  g_assert_cmpuint (g_array_index (t.progress, Delivery, n - 1).bytes, ==, t.last_value);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (t.progress->len, ==, n);

  ota_progress_relay_unref (relay);
  g_array_unref (t.progress);
}

/* The contract in small steps, without threads: the first progress goes at
 * the next iteration; progress right after a delivery waits for the rest of
 * the 40 ms, coalesced to the latest; once the interval is over it goes at
 * once again; a non-progress event is never held back by the limit after a
 * quiet time. */
static void
test_interval_steps (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (OtaProgressRelay) relay = NULL;
  Timing t = { 0 };
  gint64 first_start, pushed_at, deadline;

  t.context = context;
  t.progress = g_array_new (FALSE, FALSE, sizeof (Delivery));
  relay = ota_progress_relay_new (context, timing_cb, &t);

  /* nothing delivered yet: the first progress is not delayed */
  push_paced (relay, 1);
  t.dispatch_start = first_start = g_get_monotonic_time ();
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (t.progress->len, ==, 1);

  /* right after a delivery: held back (when this runs well within the
   * interval, as it does unless the machine stalls), coalesced meanwhile */
  push_paced (relay, 2);
  push_paced (relay, 3);
  /* (that they are held back is shown with a clock of the test's own:
   * /ota/relay/interval-clock) */
  deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
  while (t.progress->len < 2)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("progress held back after a delivery never came (%d s)", TIMEOUT_S);
      iterate_timed (&t);
    }
  g_assert_cmpuint (t.progress->len, ==, 2);
  g_assert_cmpuint (g_array_index (t.progress, Delivery, 1).bytes, ==, 3);
  g_assert_cmpint (g_array_index (t.progress, Delivery, 1).at
                       - g_array_index (t.progress, Delivery, 0).start,
                   >=, MIN_GAP_US);

  /* a quiet interval later: at once again */
  g_usleep (INTERVAL_US + 5 * G_TIME_SPAN_MILLISECOND);
  t.dispatch_start = pushed_at = g_get_monotonic_time ();
  push_paced (relay, 4);
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (t.progress->len, ==, 3);
  g_assert_cmpint (g_array_index (t.progress, Delivery, 2).at, >=, pushed_at);

  /* a log event after a quiet interval: at once */
  g_usleep (INTERVAL_US + 5 * G_TIME_SPAN_MILLISECOND);
  push_log (relay, OTA_EVENT_CODE_DEVICE, "1");
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (t.others, ==, 1);

  g_array_unref (t.progress);
}

typedef struct {
  gint64 now;     /* the relay's clock */
  guint progress; /* progress events delivered */
  guint64 last_bytes;
} ClockSink;

static gint64
fake_clock (gpointer data)
{
  return ((ClockSink *) data)->now;
}

static void
clock_sink_cb (const OtaEvent *event, gpointer data)
{
  ClockSink *c = data;

  if (event->kind == OTA_EVENT_PROGRESS)
    {
      c->progress++;
      c->last_bytes = event->bytes;
    }
}

/* The hold-back decision against an injected clock, so nothing depends on
 * how loaded the machine is: right after a delivery progress waits for a
 * timeout source set to the rest of the interval (coalesced meanwhile);
 * after a quiet interval it goes at the next iteration. */
static void
test_interval_clock (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (OtaProgressRelay) relay = NULL;
  ClockSink c = { .now = 5 * G_USEC_PER_SEC };

  relay = ota_progress_relay_new (context, clock_sink_cb, &c);
  ota_progress_relay_set_clock (relay, fake_clock, &c);

  push_paced (relay, 1);
  g_assert_cmpuint (ota_progress_relay_get_last_delay (relay), ==, 0);
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (c.progress, ==, 1);

  /* 10 ms later by the relay's clock: held back for the 30 ms left */
  c.now += 10 * G_TIME_SPAN_MILLISECOND;
  push_paced (relay, 2);
  push_paced (relay, 3);
  g_assert_cmpuint (c.progress, ==, 1);
  g_assert_cmpuint (ota_progress_relay_get_last_delay (relay), ==, 30);
  while (c.progress < 2)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpuint (c.progress, ==, 2);
  g_assert_cmpuint (c.last_bytes, ==, 3);

  /* a quiet interval later by the relay's clock: at the next iteration */
  c.now += INTERVAL_US + G_TIME_SPAN_MILLISECOND;
  push_paced (relay, 4);
  g_assert_cmpuint (ota_progress_relay_get_last_delay (relay), ==, 0);
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (c.progress, ==, 3);
  g_assert_cmpuint (c.last_bytes, ==, 4);
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
  g_test_add_func ("/ota/relay/interval", test_interval);
  g_test_add_func ("/ota/relay/interval-steps", test_interval_steps);
  g_test_add_func ("/ota/relay/interval-clock", test_interval_clock);
  return g_test_run ();
}
