/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaBench"

/*
 * A GTK module for the GUI CPU benchmark (docs/performance.md): loaded into
 * the real `otaflash FILE.ufw` with GTK_MODULES=/path/libota-bench-gui.so, it
 * presses the window's Flash button once it can be pressed (file checked,
 * device found), measures the process's CPU time and the wall time from the
 * press until the upgrade ends (the Cancel button, sensitive exactly while
 * flashing, goes insensitive again), prints
 *
 *   GUI-BENCH cpu_s=F wall_s=F
 *
 * on stdout and quits. It uses only GTK's public API and the buttons'
 * labels, so it builds whatever the window's code looks like; when the
 * labels change it prints "GUI-BENCH timeout" and the figure is pending.
 */

#include <stdio.h>
#include <sys/resource.h>

#include <gtk/gtk.h>

#define POLL_MS 20
#define GIVE_UP_S 300

typedef enum {
  WAIT_READY,
  WAIT_START,
  WAIT_END,
  DONE,
} Phase;

static Phase phase = WAIT_READY;
static gint64 t_start;
static gdouble cpu_start;

static gdouble
process_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (gdouble) ru.ru_utime.tv_sec + (gdouble) ru.ru_utime.tv_usec / 1e6
         + (gdouble) ru.ru_stime.tv_sec + (gdouble) ru.ru_stime.tv_usec / 1e6;
}

static GtkWidget *
find_button (GtkWidget *widget, const gchar *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  if (GTK_IS_CONTAINER (widget))
    {
      g_autoptr (GList) children = gtk_container_get_children (GTK_CONTAINER (widget));

      for (GList *l = children; l != NULL; l = l->next)
        {
          GtkWidget *found = find_button (l->data, label);

          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

static GtkWidget *
find_in_toplevels (const gchar *label)
{
  g_autoptr (GList) windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l != NULL; l = l->next)
    {
      GtkWidget *found;

      if (!gtk_widget_get_visible (l->data))
        continue;
      found = find_button (l->data, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
finish (const gchar *line)
{
  GApplication *app = g_application_get_default ();

  printf ("%s\n", line);
  fflush (stdout);
  if (app != NULL)
    g_application_quit (app);
  else
    gtk_main_quit ();
}

static void
state_flags_changed_cb (GtkWidget *cancel, GtkStateFlags previous, gpointer data)
{
  g_autofree gchar *line = NULL;
  gdouble wall;

  if (phase != WAIT_END || gtk_widget_is_sensitive (cancel))
    return;
  phase = DONE;
  wall = (gdouble) (g_get_monotonic_time () - t_start) / G_USEC_PER_SEC;
  line = g_strdup_printf ("GUI-BENCH cpu_s=%.4f wall_s=%.4f", process_cpu_s () - cpu_start, wall);
  finish (line);
}

static gboolean
give_up_cb (gpointer data)
{
  if (phase != DONE)
    finish ("GUI-BENCH timeout");
  return G_SOURCE_REMOVE;
}

/* Polls only until the upgrade runs; from then on nothing of this module
 * runs until the Cancel button changes, so it adds no CPU of its own. */
static gboolean
poll_cb (gpointer data)
{
  GtkWidget *flash = find_in_toplevels ("_Flash");
  GtkWidget *cancel = find_in_toplevels ("_Cancel");

  switch (phase)
    {
    case WAIT_READY:
      if (flash != NULL && gtk_widget_is_sensitive (flash))
        {
          t_start = g_get_monotonic_time ();
          cpu_start = process_cpu_s ();
          phase = WAIT_START;
          gtk_button_clicked (GTK_BUTTON (flash));
        }
      return G_SOURCE_CONTINUE;
    case WAIT_START:
      if (cancel == NULL || !gtk_widget_is_sensitive (cancel))
        return G_SOURCE_CONTINUE;
      phase = WAIT_END;
      g_signal_connect (cancel, "state-flags-changed", G_CALLBACK (state_flags_changed_cb), NULL);
      return G_SOURCE_REMOVE;
    case WAIT_END:
    case DONE:
    default:
      return G_SOURCE_REMOVE;
    }
}

G_MODULE_EXPORT void gtk_module_init (gint *argc, gchar ***argv);

G_MODULE_EXPORT void
gtk_module_init (gint *argc, gchar ***argv)
{
  g_timeout_add (POLL_MS, poll_cb, NULL);
  g_timeout_add_seconds (GIVE_UP_S, give_up_cb, NULL);
}
