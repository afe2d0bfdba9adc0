/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaBench"

/*
 * The benchmark driver (docs/performance.md). It starts otaflash-emu on free
 * loopback ports, runs the real flasher code (OtaSession in a worker thread,
 * events through OtaProgressRelay to a main loop, as the front-ends do), the
 * vendor-style baseline client, or the CLI, reads the emulator's event log,
 * and prints one line per run ("RUN ...") and rows of the result table
 * ("ROW<TAB>#<TAB>what<TAB>median<TAB>runs<TAB>goal<TAB>met"), which bench/run.sh
 * formats. Linux only (wait4 for the CLI's peak RSS). Not a test.
 *
 *   ota-bench raw  --emu E --baseline B [--runs N] FILE
 *   ota-bench link --emu E [--client otaflash|nagle|vendor] [--runs N] [--poll-ms N]
 *                  [--time-scale F] [--label S] FILE
 *   ota-bench cli  --emu E --otaflash O [--runs N] [--label S] FILE
 *   ota-bench gui  --emu E --otaflash O --gui-module M [--runs N] FILE
 *   ota-bench sum  [--runs N]
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <cjson/cJSON.h>

#include "ota-firmware.h"
#include "ota-net-header.h"
#include "ota-progress-relay.h"
#include "ota-session.h"

/* The Wi-Fi model of the efficiency benchmark. */
#define LINK_BANDWIDTH "1500000" /* 1.5 MB/s */
#define LINK_LATENCY_MS "3"      /* one way */
#define LINK_FLASH_RATE "400000" /* 400 KB/s */
#define LINK_ERASE_PAUSE_MS "30"
#define LINK_ERASE_EVERY "65536"
/* the emulator's flags for the model above */
#define LINK_MODEL_ARGS                                                                            \
  "--link-bandwidth", LINK_BANDWIDTH, "--link-latency-ms", LINK_LATENCY_MS, "--flash-rate",        \
      LINK_FLASH_RATE, "--erase-pause-ms", LINK_ERASE_PAUSE_MS, "--erase-every",                   \
      LINK_ERASE_EVERY, /* the link model's own erase pauses; the whole-area erase after the       \
                         * total size is the device's time, the same for every client */           \
      "--erase-rate", "0"

static const gchar *opt_emu, *opt_baseline, *opt_otaflash, *opt_client = "otaflash";
static const gchar *opt_clients = "otaflash,vendor";
static const gchar *opt_label, *opt_gui_module;
static gint opt_runs = 5;
static gint opt_poll_ms = 200;
static gdouble opt_time_scale = 0.02;

/* ---- small helpers -------------------------------------------------------- */

static gdouble
process_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (gdouble) ru.ru_utime.tv_sec + (gdouble) ru.ru_utime.tv_usec / 1e6
         + (gdouble) ru.ru_stime.tv_sec + (gdouble) ru.ru_stime.tv_usec / 1e6;
}

static gdouble
now_s (void)
{
  return (gdouble) g_get_monotonic_time () / G_USEC_PER_SEC;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static gdouble
median (GArray *values)
{
  g_autoptr (GArray) v = NULL;
  guint n = values->len;

  if (n == 0)
    return 0;
  v = g_array_sized_new (FALSE, FALSE, sizeof (gdouble), n);
  g_array_append_vals (v, values->data, n);
  g_array_sort (v, cmp_double);
  if (n % 2 == 1)
    return g_array_index (v, gdouble, n / 2);
  return (g_array_index (v, gdouble, n / 2 - 1) + g_array_index (v, gdouble, n / 2)) / 2;
}

static void
add (GArray *values, gdouble v)
{
  g_array_append_val (values, v);
}

static GArray *
values_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (gdouble));
}

/* a figure over @runs runs (the runs that succeeded, not the runs asked for) */
static void
row_n (const gchar *num, const gchar *what, const gchar *value, gint runs, const gchar *goal,
       const gchar *met)
{
  g_print ("ROW\t%s\t%s\t%s\t%d\t%s\t%s\n", num, what, value, runs, goal, met);
}

static void
row (const gchar *num, const gchar *what, const gchar *value, const gchar *goal, const gchar *met)
{
  row_n (num, what, value, opt_runs, goal, met);
}

/* ---- the emulator ------------------------------------------------------- */

typedef struct {
  GSubprocess *proc;
  GDataInputStream *out;
  guint16 ctp, http, ota;
  gchar *dir;
  gchar *events_path;
  gint status;
  gboolean stopped;
} BenchEmu;

static gint
bench_emu_stop (BenchEmu *emu)
{
  if (emu->stopped)
    return emu->status;
  emu->stopped = TRUE;
  g_subprocess_send_signal (emu->proc, SIGTERM);
  g_subprocess_wait (emu->proc, NULL, NULL);
  emu->status
      = g_subprocess_get_if_exited (emu->proc) ? g_subprocess_get_exit_status (emu->proc) : -1;
  return emu->status;
}

static void
bench_emu_free (BenchEmu *emu)
{
  if (emu == NULL)
    return;
  if (emu->proc != NULL)
    bench_emu_stop (emu);
  g_clear_object (&emu->out);
  g_clear_object (&emu->proc);
  if (emu->events_path != NULL)
    g_unlink (emu->events_path);
  if (emu->dir != NULL)
    g_rmdir (emu->dir);
  g_free (emu->events_path);
  g_free (emu->dir);
  g_free (emu);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchEmu, bench_emu_free)

static void
child_setup (gpointer data)
{
  /* the emulator goes when the bench goes, however it ends */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts the emulator on free loopback ports with @extra arguments and waits
 * for its READY line. */
static BenchEmu *
bench_emu_start (const gchar *const *extra, GError **error)
{
  g_autoptr (BenchEmu) emu = g_new0 (BenchEmu, 1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree gchar *line = NULL;
  guint ctp, http, ota;

  emu->dir = g_dir_make_tmp ("ota-bench-XXXXXX", error);
  if (emu->dir == NULL)
    return NULL;
  emu->events_path = g_build_filename (emu->dir, "events.jsonl", NULL);
  g_ptr_array_add (argv, (gpointer) opt_emu);
  g_ptr_array_add (argv, "--host");
  g_ptr_array_add (argv, "127.0.0.1");
  g_ptr_array_add (argv, "--ctp-port");
  g_ptr_array_add (argv, "0");
  g_ptr_array_add (argv, "--http-port");
  g_ptr_array_add (argv, "0");
  g_ptr_array_add (argv, "--ota-port");
  g_ptr_array_add (argv, "0");
  g_ptr_array_add (argv, "--strict");
  g_ptr_array_add (argv, "--events");
  g_ptr_array_add (argv, emu->events_path);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  emu->proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, error);
  if (emu->proc == NULL)
    return NULL;
  emu->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (emu->proc));
  line = g_data_input_stream_read_line (emu->out, NULL, NULL, error);
  if (line == NULL || sscanf (line, "READY ctp=%u http=%u ota=%u", &ctp, &http, &ota) != 3)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the emulator did not start (%s)",
                     line != NULL ? line : "no READY line");
      return NULL;
    }
  emu->ctp = (guint16) ctp;
  emu->http = (guint16) http;
  emu->ota = (guint16) ota;
  return g_steal_pointer (&emu);
}

/* All events named @name (NULL: all), as a new array. */
static cJSON *
bench_emu_events (BenchEmu *emu, const gchar *name)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  cJSON *all = cJSON_CreateArray ();

  if (!g_file_get_contents (emu->events_path, &text, NULL, NULL))
    return all;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      cJSON *ev = cJSON_Parse (lines[i]);
      const cJSON *kind = cJSON_GetObjectItemCaseSensitive (ev, "event");

      if (ev != NULL && cJSON_IsString (kind)
          && (name == NULL || g_str_equal (kind->valuestring, name)))
        cJSON_AddItemToArray (all, ev);
      else
        cJSON_Delete (ev);
    }
  return all;
}

static gdouble
num (const cJSON *obj, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (obj, key);

  return cJSON_IsNumber (item) ? item->valuedouble : 0;
}

static const gchar *
str (const cJSON *obj, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (obj, key);

  return cJSON_IsString (item) ? item->valuestring : "";
}

typedef struct {
  gdouble ideal_s[3], measured_s[3], app_s[3];
  gdouble bytes[3];
  guint reads[3];
  guint violations;
  guint boots;
  gdouble reboot_s; /* sum over reboots: stage result -> device up again */
  gdouble detect_s; /* sum over reboots: device up again -> the app's first connection */
} EmuReport;

/* What the emulator saw: the model events of the successful stage attempts,
 * violations, and for each reboot how long the device waited for the app. */
static void
bench_emu_report (BenchEmu *emu, EmuReport *rep)
{
  g_autoptr (cJSON) all = bench_emu_events (emu, NULL);
  const cJSON *ev;
  gdouble boot_t = -1, result_t = -1;

  memset (rep, 0, sizeof *rep);
  for (ev = all->child; ev != NULL; ev = ev->next)
    {
      const gchar *kind = str (ev, "event");

      if (g_str_equal (kind, "model") && g_str_equal (str (ev, "result"), "ok"))
        {
          guint s = (guint) num (ev, "stage");

          if (s == 1 || s == 2)
            {
              rep->ideal_s[s] += num (ev, "ideal_s");
              rep->measured_s[s] += num (ev, "measured_s");
              rep->app_s[s] += num (ev, "app_s");
              rep->bytes[s] += num (ev, "bytes");
              rep->reads[s] += (guint) num (ev, "reads");
            }
        }
      else if (g_str_equal (kind, "violation"))
        rep->violations++;
      else if (g_str_equal (kind, "result"))
        result_t = num (ev, "t");
      else if (g_str_equal (kind, "boot"))
        {
          /* the first boot is the start of the emulator, not a reboot */
          if (rep->boots++ > 0)
            {
              boot_t = num (ev, "t");
              if (result_t >= 0)
                rep->reboot_s += boot_t - result_t;
            }
        }
      else if (g_str_equal (kind, "connect") && boot_t >= 0)
        {
          rep->detect_s += num (ev, "t") - boot_t;
          boot_t = -1;
        }
    }
}

/* ---- the flasher, in process ------------------------------------------ */

typedef struct {
  const gchar *file;
  BenchEmu *emu;
  gboolean nagle;
  guint poll_ms;
  /* results */
  gboolean ok;
  gchar *error_message;
  gdouble wall_s, cpu_s;
  gdouble stage_wall_s[3], stage_cpu_s[3];
  guint pushed, delivered, dispatches;
  /* private */
  OtaProgressRelay *relay;
  GMainLoop *loop;
  gdouble stage_t0[3], stage_c0[3];
} FlashRun;

static void
delivered_cb (const OtaEvent *event, gpointer user_data)
{
  /* a front-end would redraw here; the bench only counts (relay counts) */
}

/* In the worker thread: note when each stage starts and ends, then hand the
 * event to the relay like a front-end does. */
static void
worker_event_cb (const OtaEvent *event, gpointer user_data)
{
  FlashRun *run = user_data;

  if (event->kind == OTA_EVENT_STAGE && event->stage <= 2)
    {
      if (event->state == OTA_STAGE_STATE_START)
        {
          run->stage_t0[event->stage] = now_s ();
          run->stage_c0[event->stage] = process_cpu_s ();
        }
      else
        {
          run->stage_wall_s[event->stage] = now_s () - run->stage_t0[event->stage];
          run->stage_cpu_s[event->stage] = process_cpu_s () - run->stage_c0[event->stage];
        }
    }
  ota_progress_relay_push (event, run->relay);
}

static gboolean
flash_done_cb (gpointer data)
{
  FlashRun *run = data;

  ota_progress_relay_flush (run->relay);
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
flash_thread (gpointer data)
{
  FlashRun *run = data;
  g_autoptr (OtaSession) session = ota_session_new ();
  g_autoptr (OtaFirmware) firmware = NULL;
  g_autoptr (GError) error = NULL;
  gdouble t0, c0;

  ota_session_set_host (session, "127.0.0.1");
  ota_session_set_ports (session, run->emu->ctp, run->emu->http, run->emu->ota);
  ota_session_set_timeout (session, 10000);
  ota_session_set_reboot_timeout (session, 60000);
  ota_session_set_poll_interval (session, run->poll_ms);
  ota_session_set_nagle_mode (session, run->nagle);
  ota_session_set_event_func (session, worker_event_cb, run, NULL);

  t0 = now_s ();
  c0 = process_cpu_s ();
  firmware = ota_firmware_open (run->file, &error);
  if (firmware != NULL)
    run->ok = ota_session_flash (session, firmware, NULL, NULL, &error);
  run->wall_s = now_s () - t0;
  run->cpu_s = process_cpu_s () - c0;
  if (!run->ok)
    run->error_message = g_strdup (error->message);
  g_main_context_invoke (NULL, flash_done_cb, run);
  return NULL;
}

/* ota_session_flash() in a worker thread, events relayed to this thread's
 * main loop: what the CLI and the GUI do. */
static gboolean
flash_in_process (FlashRun *run, GError **error)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (OtaProgressRelay) relay = ota_progress_relay_new (NULL, delivered_cb, run);
  GThread *thread;

  run->loop = loop;
  run->relay = relay;
  thread = g_thread_new ("flash", flash_thread, run);
  g_main_loop_run (loop);
  g_thread_join (thread);
  ota_progress_relay_get_counts (relay, &run->pushed, &run->delivered, &run->dispatches);
  run->loop = NULL;
  run->relay = NULL;
  if (!run->ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "otaflash failed: %s", run->error_message);
      return FALSE;
    }
  return TRUE;
}

/* ---- the vendor-style baseline ------------------------------------------ */

static gboolean
baseline_run (BenchEmu *emu, const gchar *file, gdouble *cpu_s, GError **error)
{
  g_autofree gchar *ctp = g_strdup_printf ("%u", emu->ctp);
  g_autofree gchar *http = g_strdup_printf ("%u", emu->http);
  g_autofree gchar *ota = g_strdup_printf ("%u", emu->ota);
  g_autofree gchar *out = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  const gchar *p;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error, opt_baseline, "127.0.0.1", ctp,
                           http, ota, file, NULL);
  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, error))
    return FALSE;
  if (!g_subprocess_get_successful (proc) || (p = strstr (out, "cpu_s=")) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the baseline client failed");
      return FALSE;
    }
  *cpu_s = g_ascii_strtod (p + 6, NULL);
  return TRUE;
}

/* ---- 1. raw serving speed ------------------------------------------------- */

static const gchar *const raw_emu_args[] = { "--start-in-loader", "--time-scale", "0", NULL };

typedef enum {
  CLIENT_OTAFLASH,
  CLIENT_VENDOR,
  CLIENT_NAGLE,
  N_CLIENTS
} Client;

static const gchar *const client_names[N_CLIENTS] = { "otaflash", "vendor", "nagle" };

static gboolean
cmd_raw (const gchar *file, GError **error)
{
  g_autoptr (GArray) ratio = values_new (), app_ratio = values_new ();
  g_autoptr (GArray) disp = values_new (), pushed = values_new ();
  GArray *mbps[N_CLIENTS], *app[N_CLIENTS], *cpu[N_CLIENTS], *app_us[N_CLIENTS];
  g_auto (GStrv) names = g_strsplit (opt_clients, ",", -1);
  gboolean want[N_CLIENTS] = { FALSE };
  gdouble file_mib = 0;
  g_autofree gchar *v = NULL;
  gdouble r, ra;

  for (guint k = 0; names[k] != NULL; k++)
    {
      guint c;

      for (c = 0; c < N_CLIENTS && !g_str_equal (names[k], client_names[c]); c++)
        ;
      if (c == N_CLIENTS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "--clients takes otaflash, vendor and nagle, not %s", names[k]);
          return FALSE;
        }
      want[c] = TRUE;
    }
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_ptr_array_add (keep, mbps[c] = values_new ());
      g_ptr_array_add (keep, app[c] = values_new ());
      g_ptr_array_add (keep, cpu[c] = values_new ());
      g_ptr_array_add (keep, app_us[c] = values_new ());
    }
  for (gint i = 0; i < opt_runs; i++)
    {
      gdouble m[N_CLIENTS] = { 0 }, a[N_CLIENTS] = { 0 };

      /* rotate the order so that drift on a busy machine hits every client */
      for (guint j = 0; j < N_CLIENTS; j++)
        {
          Client client = (Client) ((i + j) % N_CLIENTS);
          g_autoptr (BenchEmu) emu = NULL;
          EmuReport rep;
          gdouble used = 0, mib;
          FlashRun run = { 0 };

          if (!want[client])
            continue;
          emu = bench_emu_start (raw_emu_args, error);
          if (emu == NULL)
            return FALSE;
          if (client == CLIENT_VENDOR)
            {
              if (!baseline_run (emu, file, &used, error))
                return FALSE;
            }
          else
            {
              run.file = file;
              run.emu = emu;
              run.poll_ms = 20;
              run.nagle = client == CLIENT_NAGLE;
              if (!flash_in_process (&run, error))
                return FALSE;
              used = run.stage_cpu_s[2];
              if (client == CLIENT_OTAFLASH)
                {
                  add (disp, run.dispatches);
                  add (pushed, run.pushed);
                }
              g_free (run.error_message);
            }
          bench_emu_stop (emu);
          bench_emu_report (emu, &rep);
          if (rep.measured_s[2] <= 0 || rep.app_s[2] <= 0 || rep.violations > 0)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "raw run %d (%s): no successful stage two or %u violations", i + 1,
                           client_names[client], rep.violations);
              return FALSE;
            }
          mib = rep.bytes[2] / (1024.0 * 1024.0);
          file_mib = mib;
          m[client] = rep.bytes[2] / rep.measured_s[2] / 1e6;
          a[client] = rep.bytes[2] / rep.app_s[2] / 1e6;
          add (mbps[client], m[client]);
          add (app[client], a[client]);
          add (cpu[client], used / mib * 1000.0);
          add (app_us[client], rep.app_s[2] / rep.reads[2] * 1e6);
          g_print ("RUN raw client=%s run=%d bytes=%.0f reads=%u measured_s=%.4f mbps=%.1f "
                   "app_s=%.4f app_us_per_read=%.1f app_mbps=%.1f cpu_ms_per_mib=%.3f "
                   "relay_pushed=%u relay_dispatches=%u\n",
                   client_names[client], i + 1, rep.bytes[2], rep.reads[2], rep.measured_s[2],
                   m[client], rep.app_s[2], rep.app_s[2] / rep.reads[2] * 1e6, a[client],
                   used / mib * 1000.0, run.pushed, run.dispatches);
        }
      if (want[CLIENT_OTAFLASH] && want[CLIENT_VENDOR])
        {
          add (ratio, m[CLIENT_OTAFLASH] / m[CLIENT_VENDOR]);
          add (app_ratio, a[CLIENT_OTAFLASH] / a[CLIENT_VENDOR]);
        }
    }

  if (want[CLIENT_NAGLE])
    {
      v = g_strdup_printf ("%.1f MB/s, app %.1f ms/READ (%.0f MiB)", median (mbps[CLIENT_NAGLE]),
                           median (app_us[CLIENT_NAGLE]) / 1000.0, file_mib);
      row ("3", "Nagle mode, raw loopback: 2 writes, no TCP_NODELAY", v, "", "");
      g_clear_pointer (&v, g_free);
    }
  if (!want[CLIENT_OTAFLASH] || !want[CLIENT_VENDOR])
    return TRUE;
  r = median (ratio);
  ra = median (app_ratio);
  v = g_strdup_printf ("%.0f / %.0f MB/s = %.2fx", median (mbps[CLIENT_OTAFLASH]),
                       median (mbps[CLIENT_VENDOR]), r);
  row ("1", "raw, 64 MiB stage two, first READ..OK: otaflash / vendor", v, ">= 1.0x",
       r >= 1.0 ? "yes" : "NO");
  g_clear_pointer (&v, g_free);
  v = g_strdup_printf ("%.0f / %.0f MB/s = %.2fx (%.0f / %.0f us/READ)",
                       median (app[CLIENT_OTAFLASH]), median (app[CLIENT_VENDOR]), ra,
                       median (app_us[CLIENT_OTAFLASH]), median (app_us[CLIENT_VENDOR]));
  row ("1", "  the device waiting for the app only (app_s)", v, ">= 1.0x",
       ra >= 1.0 ? "yes" : "NO");
  g_clear_pointer (&v, g_free);
  v = g_strdup_printf ("%.2f / %.2f ms", median (cpu[CLIENT_OTAFLASH]),
                       median (cpu[CLIENT_VENDOR]));
  row ("5", "CPU per MiB served, in process: otaflash / vendor", v, "", "");
  g_clear_pointer (&v, g_free);
  v = g_strdup_printf ("%.0f events, %.0f dispatches", median (pushed), median (disp));
  row ("5", "  relay at raw speed (64 MiB)", v, "", "");
  return TRUE;
}

/* ---- 2./3. efficiency on the modelled Wi-Fi link ------------------------- */

static gboolean
cmd_link (const gchar *file, GError **error)
{
  g_autofree gchar *scale = g_strdup_printf ("%g", opt_time_scale);
  gboolean vendor = g_str_equal (opt_client, "vendor");
  gboolean nagle = g_str_equal (opt_client, "nagle");
  const gchar *args[]
      = { "--time-scale", scale, LINK_MODEL_ARGS, vendor ? "--start-in-loader" : NULL, NULL };
  g_autoptr (GArray) ideal = values_new (), measured = values_new (), eff = values_new ();
  g_autoptr (GArray) wall = values_new (), detect = values_new (), per_read = values_new ();
  g_autoptr (GArray) disp = values_new (), pushed = values_new (), cpu_pct = values_new ();
  g_autoptr (GArray) outside = values_new (), reboot = values_new (), detect_all = values_new ();
  g_autoptr (GArray) per_read1 = values_new (), per_read2 = values_new ();
  g_autofree gchar *v = NULL;
  const gchar *label = opt_label != NULL ? opt_label : opt_client;
  gdouble e;

  if (!vendor && !nagle && !g_str_equal (opt_client, "otaflash"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--client is otaflash, nagle or vendor");
      return FALSE;
    }
  for (gint i = 0; i < opt_runs; i++)
    {
      g_autoptr (BenchEmu) emu = bench_emu_start (args, error);
      FlashRun run = { 0 };
      EmuReport rep;
      gdouble sum_ideal, sum_meas, cpu = 0;
      guint reads;

      if (emu == NULL)
        return FALSE;
      if (vendor)
        {
          if (!baseline_run (emu, file, &cpu, error))
            return FALSE;
        }
      else
        {
          run.file = file;
          run.emu = emu;
          run.nagle = nagle;
          run.poll_ms = (guint) opt_poll_ms;
          if (!flash_in_process (&run, error))
            return FALSE;
          g_free (run.error_message);
        }
      bench_emu_stop (emu);
      bench_emu_report (emu, &rep);
      if (rep.measured_s[2] <= 0 || rep.violations > 0 || (!vendor && rep.measured_s[1] <= 0))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "link run %d: a stage did not succeed, or %u violations", i + 1,
                       rep.violations);
          return FALSE;
        }
      sum_ideal = rep.ideal_s[1] + rep.ideal_s[2];
      sum_meas = rep.measured_s[1] + rep.measured_s[2];
      reads = rep.reads[1] + rep.reads[2];
      add (ideal, sum_ideal);
      add (measured, sum_meas);
      add (eff, sum_ideal / sum_meas);
      add (per_read, (sum_meas - sum_ideal) / reads * 1000.0);
      add (per_read1, (rep.measured_s[1] - rep.ideal_s[1]) / MAX (rep.reads[1], 1u) * 1000.0);
      add (per_read2, (rep.measured_s[2] - rep.ideal_s[2]) / MAX (rep.reads[2], 1u) * 1000.0);
      if (!vendor)
        {
          add (wall, run.wall_s);
          add (detect, rep.detect_s / MAX (rep.boots - 1, 1u));
          add (outside, run.wall_s - sum_meas);
          add (reboot, rep.reboot_s);
          add (detect_all, rep.detect_s);
          add (disp, run.dispatches);
          add (pushed, run.pushed);
          add (cpu_pct, run.cpu_s / run.wall_s * 100.0);
        }
      g_print ("RUN link client=%s run=%d ideal_s=%.3f/%.3f measured_s=%.3f/%.3f app_s=%.4f/%.4f "
               "reads=%u/%u ",
               label, i + 1, rep.ideal_s[1], rep.ideal_s[2], rep.measured_s[1], rep.measured_s[2],
               rep.app_s[1], rep.app_s[2], rep.reads[1], rep.reads[2]);
      g_print (
          "ideal/measured=%.4f overhead_ms_per_read=%.3f app_ms_per_read=%.3f reads=%u wall_s=%.3f "
          "reboot_detect_s=%.3f relay_pushed=%u relay_dispatches=%u cpu_s=%.3f\n",
          sum_ideal / sum_meas, (sum_meas - sum_ideal) / reads * 1000.0,
          (rep.app_s[1] + rep.app_s[2]) / reads * 1000.0, reads, run.wall_s,
          rep.detect_s / MAX (rep.boots - 1, 1u), run.pushed, run.dispatches,
          vendor ? cpu : run.cpu_s);
    }

  e = median (eff);
  if (nagle)
    {
      v = g_strdup_printf ("%.4f; +%.1f ms/READ in stage one, +%.2f in two", e, median (per_read1),
                           median (per_read2));
      row ("3", "Nagle mode, Wi-Fi model: ideal / measured", v, "", "");
      return TRUE;
    }
  if (vendor)
    {
      v = g_strdup_printf ("%.4f (+%.2f ms/READ)", e, median (per_read));
      row ("2", "  vendor-style baseline, same model, stage two: ideal/meas.", v, "", "");
      return TRUE;
    }
  v = g_strdup_printf ("%.2f s", median (ideal));
  row ("2", "Wi-Fi model, 4 MiB, both stages: ideal time", v, "", "");
  g_clear_pointer (&v, g_free);
  v = g_strdup_printf ("%.2f s", median (measured));
  row ("2", "  measured (first READ..result, per stage, summed)", v, "", "");
  g_clear_pointer (&v, g_free);
  v = g_strdup_printf ("%.4f (+%.2f ms/READ; stage one +%.2f, two +%.2f)", e, median (per_read),
                       median (per_read1), median (per_read2));
  row ("2", "  ideal / measured (both stages)", v, ">= 0.98", e >= 0.98 ? "yes" : "NO");
  g_clear_pointer (&v, g_free);
  v = g_strdup_printf ("%.2f s; outside the stages %.2f s", median (wall), median (outside));
  row ("2", "  whole flash, wall (ota_session_flash)", v, "", "");
  g_clear_pointer (&v, g_free);
  v = g_strdup_printf ("%.2f + %.2f (%.0f ms each) + %.2f s", median (reboot), median (detect_all),
                       median (detect) * 1000,
                       median (outside) - median (reboot) - median (detect_all));
  row ("2", "    outside = device reboots + noticing them (poll) + rest", v, "", "");
  g_clear_pointer (&v, g_free);
  v = g_strdup_printf ("%.2f%% of a core; %.0f events, %.0f dispatches", median (cpu_pct),
                       median (pushed), median (disp));
  row ("5", "otaflash in process (worker + main loop), Wi-Fi model", v, "", "");
  return TRUE;
}

/* ---- 4./5. the CLI: peak RSS and CPU ----------------------------------------- */

static gdouble
tv_s (const struct timeval *tv)
{
  return (gdouble) tv->tv_sec + (gdouble) tv->tv_usec / 1e6;
}

/* Runs @argv (output to /dev/null) and returns its own rusage: wait4 gives
 * the peak RSS of that child alone, not of the emulator. */
/* Runs @argv through ota-peak-rss (bench/peak-rss.c: the peak RSS of a
 * child forked from this driver would include the driver's own size) and
 * fills the fields of @ru it reports: ru_maxrss, ru_utime, ru_stime. */
static gboolean
spawn_rusage (const gchar *const *argv, struct rusage *ru, GError **error)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autofree gchar *out = NULL;
  gint status = 0;
  long maxrss = 0;
  gdouble user = 0, sys = 0;

  g_ptr_array_add (args, (gpointer) OTA_PEAK_RSS);
  for (const gchar *const *a = argv; *a != NULL; a++)
    g_ptr_array_add (args, (gpointer) *a);
  g_ptr_array_add (args, NULL);
  if (!g_spawn_sync (NULL, (gchar **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                     &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL) || out == NULL
      || sscanf (out, "maxrss_kib=%ld user_s=%lf sys_s=%lf", &maxrss, &user, &sys) != 3)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s failed (%s)", argv[0], argv[1],
                   out != NULL ? g_strstrip (out) : "no report");
      return FALSE;
    }
  memset (ru, 0, sizeof *ru);
  ru->ru_maxrss = maxrss;
  ru->ru_utime.tv_sec = (time_t) user;
  ru->ru_utime.tv_usec = (suseconds_t) ((user - (gdouble) (time_t) user) * 1e6);
  ru->ru_stime.tv_sec = (time_t) sys;
  ru->ru_stime.tv_usec = (suseconds_t) ((sys - (gdouble) (time_t) sys) * 1e6);
  return TRUE;
}

static gboolean
cmd_cli (const gchar *file, GError **error)
{
  static const gchar *const args[] = { "--time-scale", "0", NULL };
  g_autoptr (GArray) rss = values_new (), cpu = values_new (), check = values_new ();
  g_autoptr (GArray) rate = values_new ();
  const gchar *label = opt_label != NULL ? opt_label : "";
  GStatBuf st;
  gdouble mib;

  if (g_stat (file, &st) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no file %s", file);
      return FALSE;
    }
  mib = (gdouble) st.st_size / (1024.0 * 1024.0);
  for (gint i = 0; i < opt_runs; i++)
    {
      g_autoptr (BenchEmu) emu = bench_emu_start (args, error);
      g_autofree gchar *ctp = NULL, *http = NULL, *ota = NULL;
      struct rusage ru = { 0 }, ru_check = { 0 };
      const gchar *check_argv[] = { opt_otaflash, "--cli", "--check", file, NULL };
      EmuReport rep;
      gdouble c, cc;
      gdouble t0 = now_s ();

      if (emu == NULL)
        return FALSE;
      ctp = g_strdup_printf ("%u", emu->ctp);
      http = g_strdup_printf ("%u", emu->http);
      ota = g_strdup_printf ("%u", emu->ota);
      {
        const gchar *argv[]
            = { opt_otaflash,  "--cli", "--host",     "127.0.0.1", "--ctp-port", ctp,
                "--http-port", http,    "--ota-port", ota,         file,         NULL };

        if (!spawn_rusage (argv, &ru, error))
          return FALSE;
      }
      t0 = now_s () - t0;
      bench_emu_stop (emu);
      bench_emu_report (emu, &rep);
      if (rep.violations > 0 || rep.measured_s[2] <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cli run %d: %u violations", i + 1,
                       rep.violations);
          return FALSE;
        }
      /* the same file checked only, three times: the validation's share */
      {
        g_autoptr (GArray) checks = values_new ();

        for (guint k = 0; k < 3; k++)
          {
            if (!spawn_rusage (check_argv, &ru_check, error))
              return FALSE;
            add (checks, tv_s (&ru_check.ru_utime) + tv_s (&ru_check.ru_stime));
          }
        cc = median (checks);
      }
      c = tv_s (&ru.ru_utime) + tv_s (&ru.ru_stime);
      add (rss, (gdouble) ru.ru_maxrss / 1024.0);
      add (cpu, c / mib * 1000.0);
      add (check, cc / mib * 1000.0);
      /* the real program's serving speed: stage two (about the file's size,
       * flash.bin) from the device's first READ to its result */
      add (rate, (gdouble) st.st_size / 1e6 / rep.measured_s[2]);
      g_print ("RUN cli label=%s run=%d file_mib=%.2f maxrss_mib=%.2f user_s=%.3f sys_s=%.3f "
               "wall_s=%.3f cpu_ms_per_mib=%.3f check_cpu_ms_per_mib=%.3f stage2_mb_s=%.1f\n",
               label, i + 1, mib, (gdouble) ru.ru_maxrss / 1024.0, tv_s (&ru.ru_utime),
               tv_s (&ru.ru_stime), t0, c / mib * 1000.0, cc / mib * 1000.0,
               (gdouble) st.st_size / 1e6 / rep.measured_s[2]);
    }
  g_print ("CLI label=%s file_mib=%.2f maxrss_mib=%.3f cpu_ms_per_mib=%.3f "
           "check_cpu_ms_per_mib=%.3f stage2_mb_s=%.1f\n",
           label, mib, median (rss), median (cpu), median (check), median (rate));
  return TRUE;
}

/* ---- 5. the GUI's CPU at link speed ------------------------------------------ */

static gboolean
cmd_gui (const gchar *file, GError **error)
{
  g_autofree gchar *scale = g_strdup_printf ("%g", opt_time_scale);
  const gchar *args[] = { "--time-scale", scale, LINK_MODEL_ARGS, NULL };
  g_autoptr (GArray) pct = values_new (), eff = values_new ();
  g_autofree gchar *v = NULL;
  gint done = 0;

  for (gint i = 0; i < opt_runs; i++)
    {
      g_autoptr (BenchEmu) emu = bench_emu_start (args, error);
      g_autoptr (GSubprocessLauncher) launcher = NULL;
      g_autoptr (GSubprocess) proc = NULL;
      g_autofree gchar *ini = NULL, *ini_path = NULL, *out = NULL;
      const gchar *line;
      gdouble cpu = 0, wall = 0;
      EmuReport rep;

      if (emu == NULL)
        return FALSE;
      /* the GUI's own settings file carries the emulator's ports */
      ini = g_strdup_printf ("[device]\nhost=127.0.0.1\nctp-port=%u\nhttp-port=%u\nota-port=%u\n",
                             emu->ctp, emu->http, emu->ota);
      ini_path = g_build_filename (emu->dir, "settings.ini", NULL);
      if (!g_file_set_contents (ini_path, ini, -1, error))
        return FALSE;
      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                            | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_subprocess_launcher_setenv (launcher, "OTAFLASH_HOST", "127.0.0.1", TRUE);
      g_subprocess_launcher_setenv (launcher, "OTAFLASH_CONFIG_DIR", emu->dir, TRUE);
      g_subprocess_launcher_setenv (launcher, "GTK_MODULES", opt_gui_module, TRUE);
      g_subprocess_launcher_setenv (launcher, "NO_AT_BRIDGE", "1", TRUE);
      proc = g_subprocess_launcher_spawn (launcher, error, "xvfb-run", "-a", opt_otaflash, file,
                                          NULL);
      if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, error))
        return FALSE;
      g_unlink (ini_path);
      bench_emu_stop (emu);
      bench_emu_report (emu, &rep);
      line = out != NULL ? strstr (out, "GUI-BENCH cpu_s=") : NULL;
      if (line == NULL || sscanf (line, "GUI-BENCH cpu_s=%lf wall_s=%lf", &cpu, &wall) != 2
          || wall <= 0 || rep.measured_s[2] <= 0 || rep.violations > 0)
        {
          g_print ("RUN gui run=%d failed: %s\n", i + 1, out != NULL ? g_strstrip (out) : "");
          continue;
        }
      done++;
      add (pct, cpu / wall * 100.0);
      add (eff, (rep.ideal_s[1] + rep.ideal_s[2]) / (rep.measured_s[1] + rep.measured_s[2]));
      g_print ("RUN gui run=%d cpu_s=%.3f wall_s=%.3f cpu_pct=%.2f ideal/measured=%.4f\n", i + 1,
               cpu, wall, cpu / wall * 100.0,
               (rep.ideal_s[1] + rep.ideal_s[2]) / (rep.measured_s[1] + rep.measured_s[2]));
    }
  if (done == 0)
    {
      row ("5", "GUI CPU while flashing (Wi-Fi model)", "pending: the GUI could not be driven", "",
           "");
      return TRUE;
    }
  v = g_strdup_printf ("%.2f%% of a core (ideal/measured %.4f)", median (pct), median (eff));
  row_n ("5", "GUI CPU while flashing (Wi-Fi model, xvfb)", v, done, "", "");
  return TRUE;
}

/* ---- the sum: ota_net_sum against the vendor's byte loop ------------------- */

/* The vendor's sumget(), as written (a byte at a time). */
static guint32
vendor_sum (const guint8 *buf, gint len)
{
  guint32 sum = 0;
  gint i = 0;

  while (i < len)
    sum += buf[i++];
  return sum;
}

static gboolean
cmd_sum (GError **error)
{
  const gsize len = 20 + 40916; /* a stage-two answer: header + window */
  const guint iterations = 20000;
  g_autofree guint8 *buf = g_malloc (len + 8);
  g_autoptr (GArray) ours = values_new (), theirs = values_new ();
  g_autofree gchar *v = NULL;
  volatile guint32 sink = 0;

  for (gsize i = 0; i < len + 8; i++)
    buf[i] = (guint8) (i * 2654435761u >> 13);
  for (gint r = 0; r < opt_runs; r++)
    {
      gdouble t0 = now_s ();

      for (guint i = 0; i < iterations; i++)
        sink += ota_net_sum (0, buf + (i & 7), len);
      add (ours, len * iterations / (now_s () - t0) / 1e9);
      t0 = now_s ();
      for (guint i = 0; i < iterations / 10; i++)
        sink += vendor_sum (buf + (i & 7), (gint) len);
      add (theirs, len * (iterations / 10) / (now_s () - t0) / 1e9);
      if (ota_net_sum (0, buf, len) != vendor_sum (buf, (gint) len))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the sums differ");
          return FALSE;
        }
    }
  v = g_strdup_printf ("%.1f / %.1f GB/s (%.1f / %.1f us per READ)", median (ours), median (theirs),
                       len / median (ours) / 1e3, len / median (theirs) / 1e3);
  row ("5", "sum of a 40 KiB answer: ota_net_sum / vendor byte loop", v, "", "");
  return TRUE;
}

/* ---- main ---------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) rest = NULL;
  const gchar *cmd;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "emu", 0, 0, G_OPTION_ARG_FILENAME, &opt_emu, "otaflash-emu to run", "PATH" },
    { "baseline", 0, 0, G_OPTION_ARG_FILENAME, &opt_baseline, "vendor-baseline to run", "PATH" },
    { "otaflash", 0, 0, G_OPTION_ARG_FILENAME, &opt_otaflash, "otaflash to run (cli)", "PATH" },
    { "client", 0, 0, G_OPTION_ARG_STRING, &opt_client,
      "link: otaflash (default), nagle (2 writes, no TCP_NODELAY) or vendor", "NAME" },
    { "clients", 0, 0, G_OPTION_ARG_STRING, &opt_clients,
      "raw: which of otaflash, vendor, nagle (default otaflash,vendor)", "LIST" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "Runs per figure (default 5)", "N" },
    { "poll-ms", 0, 0, G_OPTION_ARG_INT, &opt_poll_ms,
      "link: the session's poll interval during reboots (default 200, as shipped)", "MS" },
    { "time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &opt_time_scale,
      "link: the emulator's time scale for device pauses (default 0.02)", "F" },
    { "gui-module", 0, 0, G_OPTION_ARG_FILENAME, &opt_gui_module,
      "gui: the GTK module that presses Flash (libota-bench-gui.so)", "PATH" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &opt_label, "Label of the printed lines", "S" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
      "raw|link|cli|gui FILE, or sum" },
    { NULL }
  };

  context = g_option_context_new ("raw|link|cli|gui FILE | sum - otaflash benchmarks");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ota-bench: %s\n", error->message);
      return 2;
    }
  if (rest != NULL && g_strv_length (rest) == 1 && g_str_equal (rest[0], "sum") && opt_runs >= 1)
    {
      if (!cmd_sum (&error))
        {
          g_printerr ("ota-bench: %s\n", error->message);
          return 1;
        }
      return 0;
    }
  if (rest == NULL || g_strv_length (rest) != 2 || opt_emu == NULL || opt_runs < 1)
    {
      g_printerr ("ota-bench: give --emu, a command (raw, link, cli, gui) and a file\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  cmd = rest[0];
  if (g_str_equal (cmd, "raw") && opt_baseline != NULL)
    ok = cmd_raw (rest[1], &error);
  else if (g_str_equal (cmd, "link")
           && (opt_baseline != NULL || !g_str_equal (opt_client, "vendor")))
    ok = cmd_link (rest[1], &error);
  else if (g_str_equal (cmd, "cli") && opt_otaflash != NULL)
    ok = cmd_cli (rest[1], &error);
  else if (g_str_equal (cmd, "gui") && opt_otaflash != NULL && opt_gui_module != NULL)
    ok = cmd_gui (rest[1], &error);
  else
    {
      g_printerr ("ota-bench: unknown command or a missing --baseline/--otaflash/--gui-module\n");
      return 2;
    }
  if (!ok)
    {
      g_printerr ("ota-bench: %s\n", error->message);
      return 1;
    }
  return 0;
}
