/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The emulator's event log: JSON Lines, one object per event with "event"
 * and "t" (seconds since start), flushed line by line so that tests can
 * follow it while the emulator runs. */

#include <glib.h>
#include <cjson/cJSON.h>

G_BEGIN_DECLS

typedef struct _EmuEvents EmuEvents;

/* @path: a file (truncated: one log per run), "-" for stdout, NULL for none. */
EmuEvents *emu_events_new (const gchar *path, GError **error);
void emu_events_free (EmuEvents *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuEvents, emu_events_free)

/* Seconds since the log was opened. */
gdouble emu_events_now (EmuEvents *self);

/* With "-" (stdout) events are held until this is called, so that the
 * READY line comes first on stdout. */
void emu_events_release (EmuEvents *self);

/* Writes one event. Takes ownership of @fields (an object, may be NULL),
 * whose members follow "event" and "t". Thread-safe. */
void emu_events_emit (EmuEvents *self, const gchar *name, cJSON *fields);

G_END_DECLS
