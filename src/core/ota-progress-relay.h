/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Carries session events from the worker thread to a main context. Events
 * keep their order; consecutive progress events are coalesced, at most one
 * source is pending at any time, and progress is delivered at most every
 * 40 ms, so a fast transfer never floods the UI with wakeups and redraws.
 * Other events are delivered at the next iteration (at most 40 ms later
 * while progress waits). */

#include "ota-event.h"

G_BEGIN_DECLS

typedef struct _OtaProgressRelay OtaProgressRelay;

/* @func runs in @context (NULL: the caller's thread-default context). The
 * relay keeps the context alive while an idle source is pending: keep that
 * context running (or disconnect) until the worker is done. */
OtaProgressRelay *ota_progress_relay_new (GMainContext *context, OtaEventFunc func,
                                          gpointer user_data);
OtaProgressRelay *ota_progress_relay_ref (OtaProgressRelay *self);
void ota_progress_relay_unref (OtaProgressRelay *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaProgressRelay, ota_progress_relay_unref)

/* An OtaEventFunc: pass it with the relay as user data to
 * ota_session_set_event_func(). Thread-safe. */
void ota_progress_relay_push (const OtaEvent *event, gpointer relay);

/* The clock the 40 ms limit is judged by (default g_get_monotonic_time):
 * tests inject their own to make the hold-back decision deterministic. The
 * wait itself is a timeout source on @context, as always. */
typedef gint64 (*OtaRelayClockFunc) (gpointer user_data);
void ota_progress_relay_set_clock (OtaProgressRelay *self, OtaRelayClockFunc func,
                                   gpointer user_data);

/* How long (ms) the source scheduled last waits: 0 for "at the next
 * iteration" (for tests and logs). */
guint ota_progress_relay_get_last_delay (OtaProgressRelay *self);

/* Delivers what is pending now (call from the relay's context). */
void ota_progress_relay_flush (OtaProgressRelay *self);

/* Stops delivering: pending and later events are dropped. */
void ota_progress_relay_disconnect (OtaProgressRelay *self);

/* Events pushed and delivered so far, and idle sources scheduled. */
void ota_progress_relay_get_counts (OtaProgressRelay *self, guint *pushed, guint *delivered,
                                    guint *dispatches);

G_END_DECLS
