/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-events.h"

#include <errno.h>
#include <stdio.h>
#include <glib/gstdio.h>

struct _EmuEvents {
  GMutex lock;
  FILE *out;
  gboolean owns_out;
  gint64 t0;
  GString *held; /* lines waiting for emu_events_release() */
};

EmuEvents *
emu_events_new (const gchar *path, GError **error)
{
  EmuEvents *self;
  FILE *out = NULL;
  gboolean owns = FALSE;

  if (path != NULL && g_strcmp0 (path, "-") == 0)
    out = stdout;
  else if (path != NULL)
    {
      out = g_fopen (path, "w");
      if (out == NULL)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot write the event log %s: %s", path, g_strerror (saved));
          return NULL;
        }
      owns = TRUE;
    }

  self = g_new0 (EmuEvents, 1);
  g_mutex_init (&self->lock);
  self->out = out;
  self->owns_out = owns;
  self->t0 = g_get_monotonic_time ();
  if (out == stdout)
    self->held = g_string_new (NULL);
  return self;
}

void
emu_events_free (EmuEvents *self)
{
  if (self == NULL)
    return;
  emu_events_release (self);
  if (self->owns_out && self->out != NULL)
    fclose (self->out);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
emu_events_release (EmuEvents *self)
{
  g_mutex_lock (&self->lock);
  if (self->held != NULL)
    {
      fputs (self->held->str, self->out);
      fflush (self->out);
      g_string_free (self->held, TRUE);
      self->held = NULL;
    }
  g_mutex_unlock (&self->lock);
}

gdouble
emu_events_now (EmuEvents *self)
{
  return (gdouble) (g_get_monotonic_time () - self->t0) / G_USEC_PER_SEC;
}

void
emu_events_emit (EmuEvents *self, const gchar *name, cJSON *fields)
{
  cJSON *ev;
  gchar *line;

  ev = cJSON_CreateObject ();
  cJSON_AddStringToObject (ev, "event", name);
  /* Milliseconds are plenty and keep the lines short. */
  cJSON_AddNumberToObject (ev, "t", (gdouble) ((gint64) (emu_events_now (self) * 1000.0)) / 1000.0);
  if (fields != NULL)
    {
      while (fields->child != NULL)
        {
          cJSON *item = cJSON_DetachItemViaPointer (fields, fields->child);
          /* cJSON copies the key before it frees the old one. */
          cJSON_AddItemToObject (ev, item->string, item);
        }
      cJSON_Delete (fields);
    }
  line = cJSON_PrintUnformatted (ev);
  cJSON_Delete (ev);
  if (line == NULL)
    return;

  g_debug ("event %s", line);
  g_mutex_lock (&self->lock);
  if (self->held != NULL)
    {
      g_string_append (self->held, line);
      g_string_append_c (self->held, '\n');
    }
  else if (self->out != NULL)
    {
      fputs (line, self->out);
      fputc ('\n', self->out);
      fflush (self->out);
    }
  g_mutex_unlock (&self->lock);
  cJSON_free (line);
}
