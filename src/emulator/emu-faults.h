/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Injected faults, from --fault NAME[:key=val,...] (keys stage, read, secs,
 * times, unit). Each triggers at most "times" times. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar *spec; /* as given */
  gchar *name;
  gint stage;   /* 0: any */
  guint read;   /* 0: any READ */
  gdouble secs; /* device seconds (scaled by --time-scale) */
  gint times;   /* triggers left */
  guint unit;   /* --devices: only for the unit-th device (1-based); 0: any */
  gint triggered;
} EmuFault;

typedef struct _EmuFaults EmuFaults;

EmuFaults *emu_faults_new (void);
void emu_faults_free (EmuFaults *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuFaults, emu_faults_free)

/* Parses and adds one spec. G_OPTION_ERROR_BAD_VALUE on unknown names/keys. */
gboolean emu_faults_add (EmuFaults *self, const gchar *spec, GError **error);

/* If a fault @name matches @stage (1 or 2) and @read (0 for faults that are
 * not about a READ), uses one trigger and returns a copy of it (free with
 * g_free; only plain fields are valid), else NULL. Thread-safe. */
EmuFault *emu_faults_take (EmuFaults *self, const gchar *name, gint stage, guint read);

/* --devices: the unit now present (1-based); faults with a unit key match
 * only theirs. Thread-safe. */
void emu_faults_set_unit (EmuFaults *self, guint unit);

/* The fault list of --help. */
const gchar *emu_faults_describe (void);

G_END_DECLS
