/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The platform calls that are not covered by the end-to-end tests on their
 * own: stopping a child process within a bound. */
#define G_LOG_DOMAIN "OtaTest"

#include <signal.h>
#include <gio/gio.h>

#include "ota-platform.h"

static gint64
elapsed_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000;
}

static GSubprocess *
spawn_sh (const gchar *script)
{
  g_autoptr (GError) error = NULL;
  GSubprocess *proc
      = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "/bin/sh", "-c", script, NULL);

  g_assert_no_error (error);
  return proc;
}

/* a child that ends on SIGTERM is gone at once, and said so */
static void
test_stop_polite (void)
{
  g_autoptr (GSubprocess) proc = spawn_sh ("exec sleep 60");
  gint64 start = g_get_monotonic_time ();

  g_assert_true (ota_platform_stop_process (proc, 5000));
  g_assert_cmpint (elapsed_ms (start), <, 2500);
  g_assert_null (g_subprocess_get_identifier (proc));
  g_assert_true (g_subprocess_get_if_signaled (proc));
  g_assert_cmpint (g_subprocess_get_term_sig (proc), ==, SIGTERM);
}

/* a child that ignores SIGTERM is killed after the bound, and FALSE says so */
static void
test_stop_stubborn (void)
{
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = NULL;
  gint64 start;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/bin/sh", "-c",
                           "trap '' TERM; echo armed; while :; do sleep 0.05; done", NULL);
  g_assert_no_error (error);
  /* the trap is set before the line is printed */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "armed");

  start = g_get_monotonic_time ();
  g_assert_false (ota_platform_stop_process (proc, 400));
  g_assert_cmpint (elapsed_ms (start), >=, 390);
  g_assert_cmpint (elapsed_ms (start), <, 3000);
  g_assert_null (g_subprocess_get_identifier (proc));
  g_assert_true (g_subprocess_get_if_signaled (proc));
  g_assert_cmpint (g_subprocess_get_term_sig (proc), ==, SIGKILL);
}

/* a child that already ended is not signalled again */
static void
test_stop_ended (void)
{
  g_autoptr (GSubprocess) proc = spawn_sh ("exit 3");
  g_autoptr (GError) error = NULL;

  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ota_platform_stop_process (proc, 1000));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ota/platform/stop-process/polite", test_stop_polite);
  g_test_add_func ("/ota/platform/stop-process/stubborn", test_stop_stubborn);
  g_test_add_func ("/ota/platform/stop-process/ended", test_stop_ended);
  return g_test_run ();
}
