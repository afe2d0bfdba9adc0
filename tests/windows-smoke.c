/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaSmoke"

/*
 * The window's smoke test on Windows (scripts/package-windows.sh --smoke,
 * under Wine + Xvfb): a GTK module loaded into the real otaflash.exe with
 * GTK_MODULES. Once the window is up it does what a technician without a
 * device would do — Try Without a Device, Make Demo Firmware, Flash — and
 * waits until the upgrade has ended and the window says it succeeded. Then
 * it prints
 *
 *   SMOKE ok            or          SMOKE failed: WHY
 *
 * on stdout and quits (with $OTA_SMOKE_HOLD, see hold_cb, a little later).
 * Only GTK's public API, the window's action names and its buttons' labels
 * are used.
 */

#include <stdio.h>
#include <string.h>

#include <gtk/gtk.h>

#define POLL_MS 50
#define GIVE_UP_S 240

typedef enum {
  WAIT_WINDOW,
  WAIT_DEMO_FIRMWARE,
  WAIT_FLASH,
  WAIT_START,
  WAIT_END,
  DONE,
} Phase;

static const gchar *const phase_names[]
    = { "the window",           "the demo device",    "a flashable file",
        "the upgrade to start", "the upgrade to end", "done" };

static Phase phase = WAIT_WINDOW;

static GtkWidget *
find_widget (GtkWidget *widget, gboolean (*match) (GtkWidget *w, const gchar *text),
             const gchar *text)
{
  if (gtk_widget_get_visible (widget) && match (widget, text))
    return widget;
  if (GTK_IS_CONTAINER (widget))
    {
      g_autoptr (GList) children = gtk_container_get_children (GTK_CONTAINER (widget));

      for (GList *l = children; l != NULL; l = l->next)
        {
          GtkWidget *found = find_widget (l->data, match, text);

          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

static gboolean
button_is (GtkWidget *w, const gchar *label)
{
  return GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), label) == 0;
}

static gboolean
label_has (GtkWidget *w, const gchar *text)
{
  return GTK_IS_LABEL (w) && strstr (gtk_label_get_text (GTK_LABEL (w)), text) != NULL;
}

static GtkWindow *
main_window (void)
{
  g_autoptr (GList) windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l != NULL; l = l->next)
    {
      if (GTK_IS_APPLICATION_WINDOW (l->data) && gtk_widget_get_mapped (l->data))
        return l->data;
    }
  return NULL;
}

static GtkWidget *
find_button (const gchar *label)
{
  GtkWindow *window = main_window ();

  return window != NULL ? find_widget (GTK_WIDGET (window), button_is, label) : NULL;
}

static void
finish (const gchar *line)
{
  GApplication *app = g_application_get_default ();

  phase = DONE;
  if (line != NULL)
    {
      printf ("%s\n", line);
      fflush (stdout);
    }
  if (app != NULL)
    g_application_quit (app);
  else
    gtk_main_quit ();
}

/* $OTA_SMOKE_HOLD: after the verdict the window stays up until that file
 * exists (at most HOLD_S), so that a screenshot can be taken from outside
 * (GDK's own gdk_pixbuf_get_from_window () has no pixels under Wine) */
#define HOLD_S 60

static gint64 hold_until;

static gboolean
hold_cb (gpointer data)
{
  const gchar *hold = g_getenv ("OTA_SMOKE_HOLD");

  if (g_file_test (hold, G_FILE_TEST_EXISTS) || g_get_monotonic_time () > hold_until)
    {
      finish (NULL);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* the window has drawn its final state: the verdict */
static gboolean
settled_cb (gpointer data)
{
  GtkWindow *window = main_window ();
  const gchar *hold = g_getenv ("OTA_SMOKE_HOLD");

  if (window == NULL)
    {
      finish ("SMOKE failed: the window went away");
      return G_SOURCE_REMOVE;
    }
  if (find_widget (GTK_WIDGET (window), label_has, "Success") == NULL)
    {
      finish ("SMOKE failed: the upgrade ended without a success message");
      return G_SOURCE_REMOVE;
    }
  if (hold == NULL || *hold == '\0')
    {
      finish ("SMOKE ok");
      return G_SOURCE_REMOVE;
    }
  printf ("SMOKE ok\n");
  fflush (stdout);
  hold_until = g_get_monotonic_time () + HOLD_S * G_USEC_PER_SEC;
  g_timeout_add (100, hold_cb, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer data)
{
  GtkWindow *window = main_window ();
  GtkWidget *button;

  if (phase == DONE)
    return G_SOURCE_REMOVE;
  if (window == NULL)
    return G_SOURCE_CONTINUE;
  switch (phase)
    {
    case WAIT_WINDOW:
      printf ("SMOKE window: %s\n", gtk_window_get_title (window));
      fflush (stdout);
      g_action_group_activate_action (G_ACTION_GROUP (window), "try-demo", NULL);
      phase = WAIT_DEMO_FIRMWARE;
      break;
    case WAIT_DEMO_FIRMWARE:
      button = find_button ("_Make Demo Firmware");
      if (button != NULL && gtk_widget_is_sensitive (button))
        {
          gtk_button_clicked (GTK_BUTTON (button));
          phase = WAIT_FLASH;
        }
      break;
    case WAIT_FLASH:
      button = find_button ("_Flash");
      if (button != NULL && gtk_widget_is_sensitive (button))
        {
          gtk_button_clicked (GTK_BUTTON (button));
          phase = WAIT_START;
        }
      break;
    case WAIT_START:
      button = find_button ("_Cancel");
      if (button != NULL && gtk_widget_is_sensitive (button))
        phase = WAIT_END;
      break;
    case WAIT_END:
      /* Cancel is sensitive exactly while flashing */
      button = find_button ("_Cancel");
      if (button == NULL || !gtk_widget_is_sensitive (button))
        {
          phase = DONE;
          /* one more frame drawn before the picture (cosmetic only: the
           * verdict does not depend on it) */
          g_timeout_add (500, settled_cb, NULL);
          return G_SOURCE_REMOVE;
        }
      break;
    case DONE:
    default:
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
give_up_cb (gpointer data)
{
  if (phase != DONE)
    {
      g_autofree gchar *line
          = g_strdup_printf ("SMOKE failed: no %s within %d s", phase_names[phase], GIVE_UP_S);

      finish (line);
    }
  return G_SOURCE_REMOVE;
}

G_MODULE_EXPORT void gtk_module_init (gint *argc, gchar ***argv);

G_MODULE_EXPORT void
gtk_module_init (gint *argc, gchar ***argv)
{
  g_timeout_add (POLL_MS, poll_cb, NULL);
  g_timeout_add_seconds (GIVE_UP_S, give_up_cb, NULL);
}
