/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestColorScheme"

/* OtaColorScheme against a fake XDG Settings portal on a private session bus
 * (GTestDBus: its own dbus-daemon, never the real session bus). The fake
 * owns org.freedesktop.portal.Desktop on a connection of its own, answers
 * ReadOne (or, as an old portal, only Read) with a value the test sets, and
 * emits SettingChanged when told; the test watches the default GtkSettings'
 * gtk-application-prefer-dark-theme. g_test_init() makes every warning and
 * critical fatal, so "quietly" is checked too. */

#include <gtk/gtk.h>

#include "ota-color-scheme.h"

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_SETTINGS "org.freedesktop.portal.Settings"
#define APPEARANCE "org.freedesktop.appearance"
#define PREFER_DARK "gtk-application-prefer-dark-theme"
#define MARKER "test.marker"
#define WAIT_MS 10000

static GTestDBus *test_bus; /* NULL without dbus-daemon */

/* ---- the fake portal ------------------------------------------------------------------- */

#define READ_XML                                                                                   \
  "<method name='Read'><arg type='s' direction='in'/><arg type='s' direction='in'/>"               \
  "<arg type='v' direction='out'/></method>"
#define READ_ONE_XML                                                                               \
  "<method name='ReadOne'><arg type='s' direction='in'/><arg type='s' direction='in'/>"            \
  "<arg type='v' direction='out'/></method>"
#define CHANGED_XML                                                                                \
  "<signal name='SettingChanged'><arg type='s'/><arg type='s'/><arg type='v'/></signal>"

/* xdg-desktop-portal 1.15 and later */
static const gchar portal_xml[] = "<node><interface name='" PORTAL_SETTINGS
                                  "'>" READ_ONE_XML READ_XML CHANGED_XML "</interface></node>";
/* before 1.15: no ReadOne (GDBus answers UnknownMethod, as the real one did) */
static const gchar old_portal_xml[]
    = "<node><interface name='" PORTAL_SETTINGS "'>" READ_XML CHANGED_XML "</interface></node>";

typedef struct {
  GDBusConnection *connection; /* its own, apart from the one under test */
  guint object_id;
  guint32 scheme; /* what ReadOne and Read answer */
  guint n_read_one;
  guint n_read;
} FakePortal;

static void
portal_method_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                  const gchar *interface, const gchar *method, GVariant *parameters,
                  GDBusMethodInvocation *invocation, gpointer user_data)
{
  FakePortal *portal = user_data;
  const gchar *namespace_ = NULL;
  const gchar *key = NULL;
  GVariant *value;

  g_variant_get (parameters, "(&s&s)", &namespace_, &key);
  if (g_strcmp0 (namespace_, APPEARANCE) != 0 || g_strcmp0 (key, "color-scheme") != 0)
    {
      g_dbus_method_invocation_return_dbus_error (
          invocation, "org.freedesktop.portal.Error.NotFound", "Requested setting not found");
      return;
    }
  value = g_variant_new_uint32 (portal->scheme);
  if (g_strcmp0 (method, "ReadOne") == 0)
    {
      portal->n_read_one++;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
    }
  else
    {
      /* the deprecated Read wraps the value in one variant more */
      portal->n_read++;
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(v)", g_variant_new_variant (value)));
    }
}

static const GDBusInterfaceVTable portal_vtable = { portal_method_cb, NULL, NULL, { NULL } };

static FakePortal *
fake_portal_new (gboolean old, guint32 scheme)
{
  FakePortal *portal = g_new0 (FakePortal, 1);
  g_autoptr (GDBusNodeInfo) node = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  guint32 result = 0;

  portal->scheme = scheme;
  portal->connection = g_dbus_connection_new_for_address_sync (
      g_test_dbus_get_bus_address (test_bus),
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);
  node = g_dbus_node_info_new_for_xml (old ? old_portal_xml : portal_xml, &error);
  g_assert_no_error (error);
  portal->object_id = g_dbus_connection_register_object (portal->connection, PORTAL_OBJECT_PATH,
                                                         node->interfaces[0], &portal_vtable,
                                                         portal, NULL, &error);
  g_assert_no_error (error);

  /* owned before the object under test looks for it */
  reply = g_dbus_connection_call_sync (
      portal->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "RequestName", g_variant_new ("(su)", PORTAL_BUS_NAME, 4 /* DO_NOT_QUEUE */),
      G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1 /* PRIMARY_OWNER */);
  return portal;
}

static void
fake_portal_emit (FakePortal *portal, const gchar *namespace_, const gchar *key, guint32 value)
{
  g_autoptr (GError) error = NULL;

  g_dbus_connection_emit_signal (
      portal->connection, NULL, PORTAL_OBJECT_PATH, PORTAL_SETTINGS, "SettingChanged",
      g_variant_new ("(ssv)", namespace_, key, g_variant_new_uint32 (value)), &error);
  g_assert_no_error (error);
}

static void
fake_portal_free (FakePortal *portal)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  /* released synchronously: the next test's fake can own the name at once */
  reply = g_dbus_connection_call_sync (
      portal->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "ReleaseName", g_variant_new ("(s)", PORTAL_BUS_NAME), G_VARIANT_TYPE ("(u)"),
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_unregister_object (portal->connection, portal->object_id);
  g_dbus_connection_close_sync (portal->connection, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (portal->connection);
  g_free (portal);
}

/* ---- the test's side ------------------------------------------------------------------- */

typedef struct {
  GtkSettings *settings;
  GDBusConnection *session; /* g_bus_get's singleton: the object under test uses it too */
  guint marker_id;
  guint markers; /* marker signals seen */
  FakePortal *portal;
  OtaColorScheme *scheme;
} Fixture;

static void
marker_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
           const gchar *interface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  Fixture *f = user_data;

  f->markers++;
}

static gboolean
have_bus (void)
{
  if (test_bus != NULL)
    return TRUE;
  g_test_skip ("dbus-daemon is not installed: no private session bus for the fake portal");
  return FALSE;
}

static void
fixture_init (Fixture *f, gboolean startup_dark)
{
  g_autoptr (GError) error = NULL;

  f->settings = gtk_settings_get_default ();
  g_object_set (f->settings, PREFER_DARK, startup_dark, NULL);
  f->session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  /* the marker comes on the same connection, after the signals emitted
   * before it: once it has been seen, they have been handled */
  f->marker_id = g_dbus_connection_signal_subscribe (f->session, PORTAL_BUS_NAME, PORTAL_SETTINGS,
                                                     "SettingChanged", PORTAL_OBJECT_PATH, MARKER,
                                                     G_DBUS_SIGNAL_FLAGS_NONE, marker_cb, f, NULL);
}

static void
fixture_clear (Fixture *f)
{
  g_clear_object (&f->scheme);
  g_clear_pointer (&f->portal, fake_portal_free);
  g_dbus_connection_signal_unsubscribe (f->session, f->marker_id);
  g_clear_object (&f->session);
}

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*CondFunc) (Fixture *f, gconstpointer data);

/* Runs the main loop until @cond holds; fails the test after WAIT_MS. */
static void
wait_until (Fixture *f, CondFunc cond, gconstpointer data, const gchar *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;
  guint wake = g_timeout_add (20, wake_cb, NULL);

  while (!cond (f, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %u ms waiting for %s", (guint) WAIT_MS, what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

static gboolean
get_dark (Fixture *f)
{
  gboolean dark = FALSE;

  g_object_get (f->settings, PREFER_DARK, &dark, NULL);
  return dark;
}

static gboolean
dark_is (Fixture *f, gconstpointer data)
{
  return get_dark (f) == GPOINTER_TO_INT (data);
}

static gboolean
not_busy (Fixture *f, gconstpointer data)
{
  return !ota_color_scheme_is_busy (f->scheme);
}

static gboolean
markers_seen (Fixture *f, gconstpointer data)
{
  return f->markers == GPOINTER_TO_UINT (data);
}

/* Returns once every signal the fake emitted so far has been handled. */
static void
flush (Fixture *f)
{
  fake_portal_emit (f->portal, MARKER, "flush", 0);
  wait_until (f, markers_seen, GUINT_TO_POINTER (f->markers + 1), "the marker signal");
}

static void
change_and_wait (Fixture *f, guint32 value, gboolean dark)
{
  fake_portal_emit (f->portal, APPEARANCE, "color-scheme", value);
  wait_until (f, dark_is, GINT_TO_POINTER (dark), dark ? "dark" : "light");
}

/* ---- tests ---------------------------------------------------------------------------- */

/* The main path: ReadOne at start, then every SettingChanged. */
static void
test_follows_portal (void)
{
  Fixture f = { 0 };

  if (!have_bus ())
    return;
  fixture_init (&f, FALSE);
  f.portal = fake_portal_new (FALSE, 1);

  f.scheme = ota_color_scheme_new (f.settings);
  wait_until (&f, not_busy, NULL, "the first read");
  g_assert_true (get_dark (&f));
  g_assert_cmpuint (f.portal->n_read_one, ==, 1);
  g_assert_cmpuint (f.portal->n_read, ==, 0);

  change_and_wait (&f, 2, FALSE);
  change_and_wait (&f, 1, TRUE);

  /* other keys, other namespaces: not ours */
  fake_portal_emit (f.portal, APPEARANCE, "contrast", 2);
  fake_portal_emit (f.portal, "org.gnome.desktop.interface", "color-scheme", 2);
  flush (&f);
  g_assert_true (get_dark (&f));

  /* no preference: back to the value before the portal was asked */
  change_and_wait (&f, 0, FALSE);
  change_and_wait (&f, 1, TRUE);

  /* dropped: no longer follows */
  g_clear_object (&f.scheme);
  fake_portal_emit (f.portal, APPEARANCE, "color-scheme", 2);
  flush (&f);
  g_assert_true (get_dark (&f));
  g_assert_cmpuint (f.portal->n_read_one, ==, 1);
  fixture_clear (&f);
}

/* 0 leaves the user's or the theme's default as it was, here dark. */
static void
test_no_preference (void)
{
  Fixture f = { 0 };

  if (!have_bus ())
    return;
  fixture_init (&f, TRUE);
  f.portal = fake_portal_new (FALSE, 0);

  f.scheme = ota_color_scheme_new (f.settings);
  wait_until (&f, not_busy, NULL, "the first read");
  g_assert_cmpuint (f.portal->n_read_one, ==, 1);
  g_assert_true (get_dark (&f));

  change_and_wait (&f, 2, FALSE);
  change_and_wait (&f, 0, TRUE);
  fixture_clear (&f);
}

/* A portal before 1.15: ReadOne unknown, Read answers a variant in a variant. */
static void
test_old_portal (void)
{
  Fixture f = { 0 };

  if (!have_bus ())
    return;
  fixture_init (&f, FALSE);
  f.portal = fake_portal_new (TRUE, 1);

  f.scheme = ota_color_scheme_new (f.settings);
  wait_until (&f, not_busy, NULL, "the first read");
  g_assert_cmpuint (f.portal->n_read, ==, 1);
  g_assert_true (get_dark (&f));

  change_and_wait (&f, 2, FALSE);
  fixture_clear (&f);
}

/* A bus without the portal: nothing changes, nothing is said (a warning
 * would abort the test). */
static void
test_no_portal (void)
{
  Fixture f = { 0 };

  if (!have_bus ())
    return;
  for (gint startup = FALSE; startup <= TRUE; startup++)
    {
      fixture_init (&f, startup);
      f.scheme = ota_color_scheme_new (f.settings);
      g_assert_true (ota_color_scheme_is_busy (f.scheme));
      wait_until (&f, not_busy, NULL, "the failed read");
      g_assert_cmpint (get_dark (&f), ==, startup);
      fixture_clear (&f);
    }
}

/* $GTK_THEME is the user's explicit choice: the portal is not even asked. */
static void
test_gtk_theme_set (void)
{
  Fixture f = { 0 };

  if (!have_bus ())
    return;
  fixture_init (&f, FALSE);
  f.portal = fake_portal_new (FALSE, 1);

  g_setenv ("GTK_THEME", "Adwaita", TRUE);
  f.scheme = ota_color_scheme_new (f.settings);
  g_unsetenv ("GTK_THEME");
  g_assert_false (ota_color_scheme_is_busy (f.scheme));
  fake_portal_emit (f.portal, APPEARANCE, "color-scheme", 1);
  flush (&f);
  g_assert_false (get_dark (&f));
  g_assert_cmpuint (f.portal->n_read_one, ==, 0);
  g_assert_cmpuint (f.portal->n_read, ==, 0);
  fixture_clear (&f);
}

/* No session bus at all (in a subprocess: a fresh g_bus_get singleton). */
static void
test_no_bus (void)
{
  if (g_test_subprocess ())
    {
      GtkSettings *settings = gtk_settings_get_default ();
      g_autoptr (OtaColorScheme) scheme = NULL;
      gint64 deadline = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;
      gboolean dark = FALSE;

      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/otaflash-test/bus", TRUE);
      g_object_set (settings, PREFER_DARK, TRUE, NULL);
      scheme = ota_color_scheme_new (settings);
      while (ota_color_scheme_is_busy (scheme))
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, TRUE);
        }
      g_object_get (settings, PREFER_DARK, &dark, NULL);
      g_assert_true (dark);
      return;
    }
  g_test_trap_subprocess (NULL, 0, 0);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*WARNING*");
  g_test_trap_assert_stderr_unmatched ("*CRITICAL*");
}

int
main (int argc, char **argv)
{
  int ret;

  /* no accessibility bus, no desktop settings daemon, no gvfs: nothing but
   * the object under test talks to the (private) session bus */
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GIO_USE_VFS", "local", TRUE);
  g_unsetenv ("GTK_THEME");
  gtk_disable_setlocale ();
  g_test_init (&argc, &argv, NULL);

  if (!g_test_subprocess ())
    {
      const gchar *daemon = g_getenv ("G_TEST_DBUS_DAEMON");
      g_autofree gchar *path = g_find_program_in_path (daemon != NULL ? daemon : "dbus-daemon");

      /* before GTK: whatever connects to the session bus finds the private
       * one; g_test_dbus_up() unsets DISPLAY (against X11 autolaunch, moot
       * with the bus address set), GTK needs it back */
      if (path != NULL)
        {
          g_autofree gchar *display = g_strdup (g_getenv ("DISPLAY"));

          test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
          g_test_dbus_up (test_bus);
          if (display != NULL)
            g_setenv ("DISPLAY", display, TRUE);
        }
    }
  if (!gtk_init_check (NULL, NULL))
    {
      g_printerr ("test-color-scheme: no display; skipped (ctest runs it under xvfb-run)\n");
      if (test_bus != NULL)
        g_test_dbus_down (test_bus);
      g_clear_object (&test_bus);
      return 77;
    }

  g_test_add_func ("/ota/gui/color-scheme/follows-portal", test_follows_portal);
  g_test_add_func ("/ota/gui/color-scheme/no-preference", test_no_preference);
  g_test_add_func ("/ota/gui/color-scheme/old-portal-read", test_old_portal);
  g_test_add_func ("/ota/gui/color-scheme/no-portal", test_no_portal);
  g_test_add_func ("/ota/gui/color-scheme/gtk-theme-set", test_gtk_theme_set);
  g_test_add_func ("/ota/gui/color-scheme/no-bus", test_no_bus);
  ret = g_test_run ();

  if (test_bus != NULL)
    g_test_dbus_down (test_bus);
  g_clear_object (&test_bus);
  return ret;
}
