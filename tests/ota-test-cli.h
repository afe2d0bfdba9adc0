/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Test helper: runs `otaflash --cli` as a child process, the way a script or
 * a technician would, and collects what it did: exit code, stdout lines,
 * stderr, the JSON "result" event, the wall time and the child's peak
 * resident memory. Every run is bounded: a child that outlives its limit is
 * killed and the run says so.
 *
 * $OTA_TEST_WRAPPER (e.g. "valgrind --error-exitcode=99 ...") is put in
 * front of the command line, so that the end-to-end tests can run the
 * flasher itself under valgrind. */

#include <gio/gio.h>
#include <cjson/cJSON.h>

#include "ota-test-emu.h"

G_BEGIN_DECLS

typedef struct {
  gint status;       /* exit code; -1 when it died from a signal */
  gint term_signal;  /* the signal, when it died from one */
  gboolean killed;   /* it outlived its limit and was killed */
  GPtrArray *lines;  /* stdout, one string per line */
  gchar *err;        /* stderr */
  cJSON *result;     /* the "result" event (ota_test_cli_run_json only) */
  gdouble elapsed_s; /* wall time from start to exit */
  glong max_rss_kib; /* peak resident memory of the child: its high-water mark
                      * (Linux VmHWM, Windows PeakWorkingSetSize) sampled at
                      * every output chunk and every 20 ms while it runs; 0
                      * where it cannot be read */
  gboolean wrapped;  /* ran under $OTA_TEST_WRAPPER */
} OtaTestCliRun;

void ota_test_cli_run_free (OtaTestCliRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaTestCliRun, ota_test_cli_run_free)

/* Called for each stdout line (without its line end, "\r\n" or "\n")
 * while the child runs; on POSIX @pid may be sent signals (Ctrl-C tests);
 * on Windows it is the process handle. */
typedef void (*OtaTestCliLineFunc) (GPid pid, const gchar *line, gpointer user_data);

/* $OTA_TEST_OTAFLASH (ctest sets it). */
const gchar *ota_test_cli_otaflash_path (void);

/* TRUE when $OTA_TEST_WRAPPER is set (valgrind runs): time and memory
 * bounds of the flasher do not apply then. */
gboolean ota_test_cli_is_wrapped (void);

/* otaflash --cli --host 127.0.0.1 [the emulator's three ports and short test
 * timeouts: --timeout 5 --reboot-timeout 20 --keepalive 0.3] @extra...
 * Options in @extra given later win (GOption keeps the last value). */
GStrv ota_test_cli_argv (OtaTestEmu *emu, const gchar *const *extra);
/* The same with explicit ports (fake devices); 0 leaves the default. */
GStrv ota_test_cli_argv_ports (guint16 ctp, guint16 http, guint16 ota, const gchar *const *extra);

/* Runs @argv (argv[0] a path) with OTAFLASH_HOST=127.0.0.1; kills it after
 * @limit_s seconds (0: 600). Never fails the test by itself except when the
 * child cannot be started. */
OtaTestCliRun *ota_test_cli_run (const gchar *const *argv, OtaTestCliLineFunc func,
                                 gpointer user_data, gdouble limit_s);

/* Files otaflash may not read: root reads any file, so when the tests run
 * as root, otaflash (and $OTA_TEST_WRAPPER) runs as this user and group,
 * nobody's, with no supplementary groups. */
#define OTA_TEST_UNPRIVILEGED_ID 65534

/* Switches this process to OTA_TEST_UNPRIVILEGED_ID for good: user, group,
 * no supplementary groups. 0, or the errno of the step that failed.
 * Async-signal-safe: for a child between fork() and exec(). */
gint ota_test_drop_privileges (void);

/* `test @op @path` (e.g. "-e", "-r", "-x") as OTA_TEST_UNPRIVILEGED_ID, in
 * a child process (exec'd: a forked copy of a program under valgrind would
 * end with valgrind's own exit code): 1 when true, 0 when false, -1 when
 * the child could not switch user (or run the test). */
gint ota_test_access_unprivileged (const gchar *path, const gchar *op);

/* TRUE when otaflash can run as OTA_TEST_UNPRIVILEGED_ID: this process is
 * root, that user reaches the binary (every folder on its path) and
 * `otaflash --cli --version` runs as it. Otherwise FALSE with a reason for
 * g_test_skip() in @reason. */
gboolean ota_test_cli_can_run_unprivileged (gchar **reason);

/* ota_test_cli_run() with the child switched to OTA_TEST_UNPRIVILEGED_ID
 * before it starts; see ota_test_cli_can_run_unprivileged(). */
OtaTestCliRun *ota_test_cli_run_unprivileged (const gchar *const *argv, OtaTestCliLineFunc func,
                                              gpointer user_data, gdouble limit_s);

/* Checks every stdout line against the JSON Lines schema of docs/cli.md
 * (asserts), sets run->result to the one final "result" event and checks
 * that its exit_code is the process's. */
void ota_test_cli_check_json (OtaTestCliRun *run);

/* ota_test_cli_argv (@emu, "--json" + @extra), run, check the schema. */
OtaTestCliRun *ota_test_cli_run_json (OtaTestEmu *emu, const gchar *const *extra,
                                      OtaTestCliLineFunc func, gpointer user_data);

/* A string field of the result event, or NULL. */
const gchar *ota_test_cli_result_string (OtaTestCliRun *run, const gchar *key);

/* Number of stdout JSON events named @event; with @key, only those whose
 * @key is the string @value (or the number atoi (@value)). */
guint ota_test_cli_count_events (OtaTestCliRun *run, const gchar *event, const gchar *key,
                                 const gchar *value);

/* Fails the test with the run's output when @haystack lacks @needle. */
void ota_test_cli_assert_contains (OtaTestCliRun *run, const gchar *haystack, const gchar *needle);

G_END_DECLS
