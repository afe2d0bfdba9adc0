/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-faults.h"

#include <string.h>

struct _EmuFaults {
  GMutex lock;
  GPtrArray *faults; /* EmuFault */
  guint unit;        /* the unit now present, 1-based */
};

typedef struct {
  const gchar *name;
  gint default_stage;
  gdouble default_secs;
  const gchar *help;
} FaultKind;

static const FaultKind fault_kinds[] = {
  { "drop", 0, 0, "close 3335 instead of sending READ k" },
  { "stall", 0, 0, "send nothing from READ k on; keep 3335 open until the app closes it" },
  { "bad-sum", 0, 0, "the device header of READ k carries a wrong sum" },
  { "err", 0, 0, "ERR instead of READ k (before or after the total-size message, by k)" },
  { "refuse-ota", 0, 0, "NET_OTA_SINGLE answers status \"0\"" },
  { "busy", 0, 0, "APP_ACCESS answers errno 3 and drops the connection" },
  { "dual-backup", 0, 0, "the description says ota_type \"0\"" },
  { "desc-malformed", 0, 0, "the description is not valid JSON" },
  { "desc-no-ota-type", 0, 0, "the description has no ota_type" },
  { "http-404", 0, 0, "404 for the description too" },
  { "no-reboot", 0, 0, "the device never comes back after a reboot" },
  { "late-reboot", 0, 10, "the device comes back secs (default 10) after a reboot" },
  { "power-loss", 2, 0, "the process exits (code 0) at READ k, like a power cut" },
  { "slow-erase", 0, 5, "a gap of secs (default 5) before READ k" },
  { "slow-commit", 0, 5, "a gap of secs (default 5) before the total-size message" },
  { "read-beyond-eof", 0, 0, "READ k asks for a seek_addr past the end of the file" },
  { "read-too-large", 0, 0, "READ k asks for 43 KiB (more than the 42 KiB limit)" },
  { "garbage", 0, 0, "20 random bytes instead of the header of READ k" },
  { "updater-restart", 2, 0, "after ERR the updater restarts: fetch the description again" },
  { "stay-in-updater", 2, 0, "after stage two's OK it reboots into the updater (ota_step 1)" },
  { "keep-old-version", 2, 0, "after stage two's OK it reboots into the old firmware" },
  { "ok-without-read", 0, 0, "hostile: OK before any READ or total size; nothing changes" },
};

static const FaultKind *
find_kind (const gchar *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fault_kinds); i++)
    if (g_str_equal (fault_kinds[i].name, name))
      return &fault_kinds[i];
  return NULL;
}

static void
fault_free (gpointer data)
{
  EmuFault *f = data;

  g_free (f->spec);
  g_free (f->name);
  g_free (f);
}

EmuFaults *
emu_faults_new (void)
{
  EmuFaults *self = g_new0 (EmuFaults, 1);

  g_mutex_init (&self->lock);
  self->faults = g_ptr_array_new_with_free_func (fault_free);
  self->unit = 1;
  return self;
}

void
emu_faults_free (EmuFaults *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->faults);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static gboolean
parse_uint (const gchar *spec, const gchar *key, const gchar *value, guint64 min, guint64 max,
            guint64 *out, GError **error)
{
  if (!g_ascii_string_to_unsigned (value, 10, min, max, out, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--fault %s: %s must be a number from %" G_GUINT64_FORMAT
                   " to %" G_GUINT64_FORMAT,
                   spec, key, min, max);
      return FALSE;
    }
  return TRUE;
}

gboolean
emu_faults_add (EmuFaults *self, const gchar *spec, GError **error)
{
  g_autofree gchar *name = NULL;
  const gchar *colon = strchr (spec, ':');
  const FaultKind *kind;
  EmuFault *f;

  name = colon != NULL ? g_strndup (spec, colon - spec) : g_strdup (spec);
  kind = find_kind (name);
  if (kind == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--fault %s: unknown fault \"%s\" (see --help for the list)", spec, name);
      return FALSE;
    }

  f = g_new0 (EmuFault, 1);
  f->spec = g_strdup (spec);
  f->name = g_steal_pointer (&name);
  f->stage = kind->default_stage;
  f->secs = kind->default_secs;
  f->times = 1;

  if (colon != NULL)
    {
      g_auto (GStrv) pairs = g_strsplit (colon + 1, ",", -1);

      for (guint i = 0; pairs[i] != NULL; i++)
        {
          g_auto (GStrv) kv = g_strsplit (pairs[i], "=", 2);
          guint64 v = 0;
          gboolean ok = TRUE;

          if (kv[0] == NULL || kv[1] == NULL)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--fault %s: \"%s\" is not key=value", spec, pairs[i]);
              ok = FALSE;
            }
          else if (g_str_equal (kv[0], "stage"))
            {
              ok = parse_uint (spec, "stage", kv[1], 1, 2, &v, error);
              f->stage = (gint) v;
            }
          else if (g_str_equal (kv[0], "read"))
            {
              ok = parse_uint (spec, "read", kv[1], 1, G_MAXUINT32, &v, error);
              f->read = (guint) v;
            }
          else if (g_str_equal (kv[0], "unit"))
            {
              ok = parse_uint (spec, "unit", kv[1], 1, G_MAXUINT32, &v, error);
              f->unit = (guint) v;
            }
          else if (g_str_equal (kv[0], "times"))
            {
              ok = parse_uint (spec, "times", kv[1], 1, G_MAXINT32, &v, error);
              f->times = (gint) v;
            }
          else if (g_str_equal (kv[0], "secs"))
            {
              gchar *end = NULL;
              gdouble d = g_ascii_strtod (kv[1], &end);

              if (end == kv[1] || *end != '\0' || !(d >= 0.0 && d < 1e6))
                {
                  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               "--fault %s: secs must be a number of seconds", spec);
                  ok = FALSE;
                }
              f->secs = d;
            }
          else
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--fault %s: unknown key \"%s\" (stage, read, secs, times, unit)", spec,
                           kv[0]);
              ok = FALSE;
            }
          if (!ok)
            {
              fault_free (f);
              return FALSE;
            }
        }
    }

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->faults, f);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

EmuFault *
emu_faults_take (EmuFaults *self, const gchar *name, gint stage, guint read)
{
  EmuFault *copy = NULL;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->faults->len && copy == NULL; i++)
    {
      EmuFault *f = g_ptr_array_index (self->faults, i);

      if (f->times <= 0 || !g_str_equal (f->name, name))
        continue;
      if (f->stage != 0 && f->stage != stage)
        continue;
      if (f->read != 0 && f->read != read)
        continue;
      if (f->unit != 0 && f->unit != self->unit)
        continue;
      f->times--;
      f->triggered++;
      copy = g_new (EmuFault, 1);
      *copy = *f;
      copy->spec = NULL;
      copy->name = NULL;
    }
  g_mutex_unlock (&self->lock);
  return copy;
}

void
emu_faults_set_unit (EmuFaults *self, guint unit)
{
  g_mutex_lock (&self->lock);
  self->unit = unit;
  g_mutex_unlock (&self->lock);
}

const gchar *
emu_faults_describe (void)
{
  static gchar *text;

  if (g_once_init_enter (&text))
    {
      GString *s
          = g_string_new ("Faults (--fault NAME[:stage=1|2,read=K,secs=F,times=N,unit=U]):\n");

      for (gsize i = 0; i < G_N_ELEMENTS (fault_kinds); i++)
        g_string_append_printf (s, "  %-18s %s\n", fault_kinds[i].name, fault_kinds[i].help);
      g_string_append (
          s, "  stage: 1 = main firmware / stage one, 2 = updater / stage two (default any;\n"
             "  power-loss, updater-restart, stay-in-updater and keep-old-version default\n"
             "  to 2). read: K-th READ of the current stage attempt, READ 1 is the first\n"
             "  probe read (default: the first READ). secs are device seconds, scaled by\n"
             "  --time-scale. times: how often it triggers (default 1). unit: with\n"
             "  --devices, only the U-th unit (default any).\n");
      g_once_init_leave (&text, g_string_free (s, FALSE));
    }
  return text;
}
