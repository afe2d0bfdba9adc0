/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "WifiTest"

#include "wifi-test-bus.h"

#include <glib/gstdio.h>

#define NM_NAME "org.freedesktop.NetworkManager"
#define MOCK_IFACE "org.freedesktop.DBus.Mock"
/* what the parent test program tells its g_test_trap_subprocess() children */
#define ENV_PRIVATE_BUS "OTA_TEST_WIFI_PRIVATE_BUS"

struct _WifiTestBus {
  GSubprocess *launcher; /* NULL in a subprocess child: the parent's bus */
  GDataInputStream *out;
  GOutputStream *in;
  gchar *dir;
  gchar *address;
  gchar *log;
  GDBusConnection *conn;
};

static gchar *
wifi_test_bus_read_line (WifiTestBus *bus, const gchar *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_data_input_stream_read_line_utf8 (bus->out, NULL, NULL, &error);

  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, prefix))
    g_error ("nm-mock.py said \"%s\", expected \"%s…\"", line != NULL ? line : "(end)", prefix);
  return g_strdup (line + strlen (prefix));
}

static void
wifi_test_bus_command (WifiTestBus *bus, const gchar *command)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_strconcat (command, "\n", NULL);

  g_assert_nonnull (bus->launcher);
  g_output_stream_write_all (bus->in, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (bus->in, NULL, &error);
  g_assert_no_error (error);
}

WifiTestBus *
wifi_test_bus_start (void)
{
  g_autoptr (GError) error = NULL;
  WifiTestBus *bus = g_new0 (WifiTestBus, 1);
  const gchar *python = g_getenv ("OTA_TEST_PYTHON3");
  const gchar *inherited = g_getenv (ENV_PRIVATE_BUS);

  if (g_test_subprocess ())
    {
      /* the parent started the bus and checked it; check again below */
      if (inherited == NULL)
        g_error ("%s is not set in a test subprocess", ENV_PRIVATE_BUS);
      bus->address = g_strdup (inherited);
      if (g_strcmp0 (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"), bus->address) != 0)
        g_error ("DBUS_SYSTEM_BUS_ADDRESS is not the parent's private bus: refusing to run");
    }
  else
    {
      g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "wifi", "nm-mock.py", NULL);
      g_autofree gchar *printed = NULL;

      if (python == NULL)
        g_error ("OTA_TEST_PYTHON3 is not set (tests/CMakeLists.txt sets it)");
      bus->dir = g_dir_make_tmp ("otaflash-wifi-XXXXXX", &error);
      g_assert_no_error (error);
      /* where nm-mock.py puts the socket; set before any thread exists */
      bus->address = g_strdup_printf ("unix:path=%s/system_bus_socket", bus->dir);
      g_setenv (ENV_PRIVATE_BUS, bus->address, TRUE);
      g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", bus->address, TRUE);
      g_unsetenv ("DBUS_SYSTEM_BUS_PID");
      bus->launcher
          = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                              &error, python, script, bus->dir, NULL);
      g_assert_no_error (error);
      bus->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus->launcher));
      bus->in = g_object_ref (g_subprocess_get_stdin_pipe (bus->launcher));
      printed = wifi_test_bus_read_line (bus, "BUS ");
      if (!g_str_has_prefix (printed, bus->address))
        g_error ("the private bus %s is not %s: refusing to run", printed, bus->address);
    }
  bus->conn = g_dbus_connection_new_for_address_sync (
      bus->address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);
  wifi_test_bus_check (bus);
  return bus;
}

static gchar *
wifi_test_bus_id (GDBusConnection *conn)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  gchar *id = NULL;

  reply = g_dbus_connection_call_sync (
      conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId", NULL,
      G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(s)", &id);
  return id;
}

void
wifi_test_bus_check (WifiTestBus *bus)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) system = NULL;
  g_autofree gchar *ours = NULL;
  g_autofree gchar *theirs = NULL;

  if (g_strcmp0 (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"), bus->address) != 0)
    g_error ("DBUS_SYSTEM_BUS_ADDRESS is not the test's private bus: refusing to run");
  /* the process's system bus (what libnm uses) must be that very bus */
  system = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  g_assert_no_error (error);
  ours = wifi_test_bus_id (bus->conn);
  theirs = wifi_test_bus_id (system);
  if (g_strcmp0 (ours, theirs) != 0)
    g_error ("the system bus (%s) is not the test's private bus (%s): refusing to run", theirs,
             ours);
}

const gchar *
wifi_test_bus_get_address (WifiTestBus *bus)
{
  return bus->address;
}

GDBusConnection *
wifi_test_bus_get_connection (WifiTestBus *bus)
{
  return bus->conn;
}

void
wifi_test_bus_start_nm (WifiTestBus *bus, const gchar *parameters)
{
  g_autofree gchar *command = g_strdup_printf ("start %s", parameters != NULL ? parameters : "");

  wifi_test_bus_check (bus);
  wifi_test_bus_command (bus, command);
  g_free (bus->log);
  bus->log = wifi_test_bus_read_line (bus, "STARTED ");
}

void
wifi_test_bus_stop_nm (WifiTestBus *bus)
{
  g_autofree gchar *rest = NULL;

  wifi_test_bus_command (bus, "stop");
  rest = wifi_test_bus_read_line (bus, "STOPPED");
}

gchar *
wifi_test_bus_read_log (WifiTestBus *bus)
{
  g_autoptr (GError) error = NULL;
  gchar *text = NULL;

  g_assert_nonnull (bus->log);
  g_file_get_contents (bus->log, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

GVariant *
wifi_test_nm_call (WifiTestBus *bus, const gchar *path, const gchar *iface, const gchar *method,
                   GVariant *args, const gchar *reply_type)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (bus->conn, NM_NAME, path, iface, method, args,
                                       reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  return reply;
}

GVariant *
wifi_test_mock_call (WifiTestBus *bus, const gchar *method, GVariant *args, const gchar *reply_type)
{
  return wifi_test_nm_call (bus, "/org/freedesktop", MOCK_IFACE, method, args, reply_type);
}

GVariant *
wifi_test_nm_get (WifiTestBus *bus, const gchar *path, const gchar *iface, const gchar *name)
{
  g_autoptr (GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = wifi_test_nm_call (bus, path, "org.freedesktop.DBus.Properties", "Get",
                             g_variant_new ("(ss)", iface, name), "(v)");
  g_variant_get (reply, "(v)", &value);
  return value;
}

static void
wifi_test_bus_remove_dir (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

void
wifi_test_bus_free (WifiTestBus *bus)
{
  if (bus == NULL)
    return;
  g_clear_object (&bus->conn);
  if (bus->launcher != NULL)
    {
      g_autoptr (GError) error = NULL;

      /* end of input: the launcher stops the mock and the bus */
      g_output_stream_close (bus->in, NULL, NULL);
      g_subprocess_wait_check (bus->launcher, NULL, &error);
      g_assert_no_error (error);
      wifi_test_bus_remove_dir (bus->dir);
    }
  g_clear_object (&bus->out);
  g_clear_object (&bus->in);
  g_clear_object (&bus->launcher);
  g_free (bus->dir);
  g_free (bus->address);
  g_free (bus->log);
  g_free (bus);
}
