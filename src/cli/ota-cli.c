/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCli"

#include "ota-cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ota-advice.h"
#include "ota-batch.h"
#include "ota-cli-history.h"
#include "ota-error.h"
#include "ota-event-writer.h"
#include "ota-event.h"
#include "ota-firmware.h"
#include "ota-flash.h"
#include "ota-i18n.h"
#include "ota-platform.h"
#include "ota-session.h"
#include "ota-text.h"
#include "ota-ufw.h"
#include "ota-wifi-filter.h"
#include "ota-wifi.h"

/* A second Ctrl-C within this time confirms a cancel after the point of no
 * return. */
#define CONFIRM_WINDOW_US (5 * G_USEC_PER_SEC)

typedef struct {
  /* options */
  gboolean cli;
  gchar *host;
  gint ctp_port, http_port, ota_port;
  gdouble timeout_s, reboot_timeout_s, keepalive_s;
  gint retries;
  gboolean json, verbose, force, info, check, version, scan;
  gchar *wifi_interface;
  gchar **wifi_patterns;
  gchar *wifi;          /* --wifi SSID | auto */
  gchar *wifi_password; /* never printed */
  gboolean host_given;  /* --host or $OTAFLASH_HOST: not the network's gateway */
  gchar *log_path;
  gchar **rest;
  OtaCliHistory history; /* --history, --no-history, … (ota-cli-history.c) */
  gboolean batch;        /* --batch */
  gint count;            /* --count N; 0: until Ctrl-C */
  gboolean allow_downgrade, allow_reinstall;
  gchar *expect_product;

  /* run */
  FILE *log;
  OtaEventWriter *writer; /* --json (stdout) and --log */
  gboolean tty;
  GMainLoop *loop;
  OtaFlash *engine;
  gint64 last_interrupt; /* the Ctrl-C that asked for a confirmation */
  gboolean cancel_said;
  gint64 flash_start;     /* the session's clock, for events the CLI adds */
  gboolean progress_line; /* a live line is on the terminal */
  gint last_decile;       /* non-terminal progress: one line per 10 % */
  gboolean done;
  GError *error;
  /* --batch */
  OtaBatch *run_batch;
  OtaHistoryRecorder *recorder;
  const gchar *path;
  OtaUfw *ufw;
  OtaOutcome worst;
  OtaDeviceState worst_state;
  gchar *worst_next_step;
} Cli;

/* ---- output ------------------------------------------------------------------ */

static void
write_json (Cli *cli, const cJSON *obj)
{
  ota_event_writer_object (cli->writer, obj);
}

static void
clear_progress_line (Cli *cli)
{
  if (cli->progress_line)
    {
      fputs ("\r\033[K", stdout);
      fflush (stdout);
      cli->progress_line = FALSE;
    }
}

/* Human lines go to stdout, errors and warnings to stderr. */
static void G_GNUC_PRINTF (3, 4) say (Cli *cli, gboolean is_error, const gchar *format, ...)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *safe = NULL;
  va_list args;

  if (cli->json)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* device answers, file contents and paths are in these lines: nothing
   * from outside may move the cursor or forge a line of ours */
  safe = ota_text_sanitize (text, -1);
  clear_progress_line (cli);
  fprintf (is_error ? stderr : stdout, "%s\n", safe);
  fflush (is_error ? stderr : stdout);
}

static gchar *
format_duration (gint64 s)
{
  if (s < 0)
    return g_strdup ("--:--");
  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60),
                            (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

static void
print_progress (Cli *cli, const OtaEvent *ev)
{
  if (cli->json)
    return;
  if (cli->tty)
    {
      g_autofree gchar *done = g_format_size (ev->bytes);
      g_autofree gchar *total = ev->total > 0 ? g_format_size (ev->total) : g_strdup ("?");
      g_autofree gchar *rate = ev->rate > 0 ? g_format_size ((guint64) ev->rate) : g_strdup ("-");
      g_autofree gchar *eta = format_duration (ev->eta);

      fputs ("\r\033[K", stdout);
      fprintf (stdout, _ ("  Stage %u/2  %3u%%  %s / %s  %s/s  %s left  (overall %u%%)"), ev->stage,
               ev->percent, done, total, rate, eta, ev->overall);
      fflush (stdout);
      cli->progress_line = TRUE;
    }
  else
    {
      gint decile = (gint) (ev->percent / 10);

      if (ev->total == 0 || decile == cli->last_decile)
        return;
      cli->last_decile = decile;
      {
        g_autofree gchar *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, ev->bytes);
        g_autofree gchar *total = g_strdup_printf ("%" G_GUINT64_FORMAT, ev->total);

        fprintf (stdout, _ ("  stage %u/2: %u%% (%s of %s bytes)\n"), ev->stage, ev->percent, bytes,
                 total);
      }
      fflush (stdout);
    }
}

static void
print_device (Cli *cli, const OtaDescription *d)
{
  const gchar *state;

  if (!ota_description_is_single_backup (d))
    state = _ ("dual-backup build (not supported by this upgrade method)");
  else if (ota_description_needs_stage_two (d))
    state = _ ("waiting for stage two (in its updater)");
  else
    state = "ready";
  say (cli, FALSE, _ ("Device: %s, firmware %s, %s (uuid %s)"),
       d->product_type != NULL ? d->product_type : _ ("unknown product"),
       d->firmware_version != NULL ? d->firmware_version : "unknown", state,
       d->uuid != NULL ? d->uuid : "-");
}

static void
event_cb (OtaFlash *engine, const OtaEvent *ev, Cli *cli)
{
  /* the same lines as the window's saved log: one writer */
  ota_event_writer_event (cli->writer, ev);
  switch (ev->kind)
    {
    case OTA_EVENT_PROGRESS:
      print_progress (cli, ev);
      break;
    case OTA_EVENT_DEVICE:
      print_device (cli, ev->device);
      break;
    case OTA_EVENT_STAGE:
      cli->last_decile = -1;
      if (ev->state == OTA_STAGE_STATE_START)
        say (cli, FALSE,
             ev->stage == 1 ? _ ("Stage 1 of 2: sending the updater to the device")
                            : _ ("Stage 2 of 2: sending the firmware to the updater"));
      else if (ev->outcome == OTA_STAGE_OUTCOME_OK)
        say (cli, FALSE, _ ("Stage %u of 2 done."), ev->stage);
      break;
    case OTA_EVENT_LOG:
    default:
      if (ev->level == OTA_LOG_LEVEL_WARNING)
        say (cli, TRUE, _ ("Warning: %s"), ota_event_get_text (ev));
      else if (ev->code == OTA_EVENT_CODE_REBOOT_WAIT)
        /* what the technician may have to do meanwhile */
        say (cli, FALSE, "%s", ota_advice_event_hint (ev));
      else
        say (cli, FALSE, "%s", ota_event_get_text (ev));
      break;
    }
}

/* The batch's own Wi-Fi steps (finding and joining the next unit, the PC's
 * network back after the last), rendered as the engine's. */
static void
batch_event_cb (OtaBatch *batch, const OtaEvent *ev, Cli *cli)
{
  event_cb (NULL, ev, cli);
}

/* The end, as the advice table words it (ota-advice.c). */
static OtaExitCode
finish (Cli *cli, const OtaAdvice *advice)
{
  g_autoptr (cJSON) obj = ota_advice_to_json (advice);

  write_json (cli, obj);
  if (advice->outcome == OTA_OUTCOME_SUCCESS)
    say (cli, FALSE, "%s", advice->message);
  else if (advice->outcome == OTA_OUTCOME_NOTHING_TO_DO)
    say (cli, FALSE, "%s", advice->next_step);
  else
    {
      say (cli, TRUE, _ ("Error: %s"), advice->message);
      if (advice->next_step != NULL)
        say (cli, TRUE, _ ("Next step: %s"), advice->next_step);
    }
  return advice->exit_code;
}

static OtaExitCode
finish_error (Cli *cli, const GError *error, OtaDeviceState state)
{
  g_autoptr (OtaAdvice) advice = ota_advice_new (error, state, NULL, NULL);
  return finish (cli, advice);
}

static OtaExitCode
finish_success (Cli *cli, OtaDeviceState state, const gchar *message, const gchar *version)
{
  g_autoptr (OtaAdvice) advice = ota_advice_new (NULL, state, version, message);
  return finish (cli, advice);
}

/* ---- firmware file ----------------------------------------------------------- */

static OtaUfw *
load_file (Cli *cli, const gchar *path, OtaFirmware **out_fw, GError **error)
{
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (cJSON) obj = NULL;
  GPtrArray *warnings;

  fw = ota_firmware_open (path, error);
  if (fw == NULL)
    return NULL;
  ufw = ota_ufw_load (fw, cli->force ? OTA_UFW_CHECK_FORCE : OTA_UFW_CHECK_DEFAULT, NULL, error);
  if (ufw == NULL)
    {
      if (error != NULL && *error != NULL && (*error)->domain == OTA_ERROR
          && (*error)->code == OTA_ERROR_INVALID_FILE
          && !g_str_has_prefix ((*error)->message, path))
        g_prefix_error (error, _ ("%s: "), path);
      return NULL;
    }

  obj = ota_event_file_to_json (path, ufw);
  warnings = ota_ufw_get_warnings (ufw);
  write_json (cli, obj);

  {
    g_autofree gchar *size = g_format_size (ota_ufw_get_size (ufw));
    g_autofree gchar *sha = g_strndup (ota_ufw_get_sha256 (ufw), 12);
    say (cli, FALSE, _ ("Firmware: %s — version %s, chip %s, %s, %u entries, SHA-256 %s…"), path,
         ota_ufw_get_version (ufw) != NULL ? ota_ufw_get_version (ufw) : "unknown",
         ota_ufw_get_chip (ufw), size, ota_ufw_get_n_entries (ufw), sha);
  }
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    say (cli, TRUE, _ ("Warning: %s (accepted because of --force)"),
         (const gchar *) g_ptr_array_index (warnings, i));

  if (out_fw != NULL)
    *out_fw = g_steal_pointer (&fw);
  return g_steal_pointer (&ufw);
}

/* ---- signals and the worker -------------------------------------------------- */

static gboolean
interrupt_cb (gpointer user_data)
{
  Cli *cli = user_data;
  gint64 now = g_get_monotonic_time ();
  gboolean confirmed = cli->last_interrupt != 0 && now - cli->last_interrupt <= CONFIRM_WINDOW_US;

  if (cli->run_batch != NULL)
    {
      /* a batch: no new unit; the unit in progress as a single flash */
      if (!ota_batch_is_stopped (cli->run_batch))
        say (cli, TRUE, _ ("Stopping the batch after this unit…"));
      ota_batch_stop (cli->run_batch);
      if (!ota_batch_in_unit (cli->run_batch))
        return G_SOURCE_CONTINUE;
    }
  /* the engine decides, atomically with the device's progress, whether
   * this is still a safe cancel (protocol.md S5) */
  switch (ota_flash_cancel (cli->engine, confirmed ? OTA_CANCEL_CONFIRMED : OTA_CANCEL_SAFE))
    {
    case OTA_CANCEL_TAKEN:
      if (!cli->cancel_said)
        say (cli, TRUE,
             confirmed ? _ ("Cancelling: the device will be left in its updater…")
                       : _ ("Cancelling: the device is told to stop at its next request…"));
      cli->cancel_said = TRUE;
      break;
      case OTA_CANCEL_NEEDS_CONFIRMATION: {
        g_autoptr (OtaEvent) ev = ota_event_new (OTA_EVENT_LOG);

        cli->last_interrupt = now;
        say (cli, TRUE,
             _ ("The device is past the point of no return: cancelling now leaves it in its "
                "updater, and it will need this upgrade run again to finish. Press Ctrl-C again "
                "within 5 seconds to cancel anyway."));
        ev->t = (gdouble) (now - cli->flash_start) / G_USEC_PER_SEC;
        ev->level = OTA_LOG_LEVEL_WARNING;
        ev->code = OTA_EVENT_CODE_CANCEL_CONFIRM;
        ev->message = g_strdup ("Interrupt after the point of no return: interrupt again within "
                                "5 s to cancel and leave the device in its updater");
        ota_event_writer_event (cli->writer, ev);
      }
      break;
    case OTA_CANCEL_NOT_RUNNING:
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static void
cancel_dropped_cb (OtaFlash *engine, Cli *cli)
{
  /* the next Ctrl-C is judged anew (and asks for confirmation) */
  cli->cancel_said = FALSE;
}

static void
flash_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Cli *cli = user_data;

  ota_flash_run_finish (OTA_FLASH (source), res, &cli->error);
  cli->done = TRUE;
  g_main_loop_quit (cli->loop);
}

static void
configure_session (Cli *cli, OtaSession *session)
{
  ota_session_set_host (session, cli->host);
  ota_session_set_ports (session, (guint16) cli->ctp_port, (guint16) cli->http_port,
                         (guint16) cli->ota_port);
  ota_session_set_timeout (session, (guint) (cli->timeout_s * 1000));
  ota_session_set_reboot_timeout (session, (guint) (cli->reboot_timeout_s * 1000));
  ota_session_set_retries (session, (guint) cli->retries);
  ota_session_set_keepalive_interval (session, (guint) (cli->keepalive_s * 1000));
}

static int
run_flash (Cli *cli, const gchar *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (OtaSession) session = NULL;
  g_autoptr (OtaFlash) engine = NULL;
  g_autoptr (OtaAdvice) advice = NULL;
  g_autoptr (OtaHistoryRecorder) recorder = NULL;
  guint sigint_id;

  /* every flash is recorded (docs/history.md), a refused file too */
  recorder = ota_cli_history_recorder (&cli->history, cli->writer);
  /* a corrupt file is refused before the device is touched */
  ufw = load_file (cli, path, &fw, &error);
  if (ufw == NULL)
    {
      advice = ota_advice_new (error, OTA_DEVICE_STATE_UNCHANGED, NULL, NULL);
      ota_cli_history_begin (&cli->history, recorder, cli->writer, NULL, path, NULL);
      ota_cli_history_end (&cli->history, recorder, cli->writer, advice);
      return finish (cli, advice);
    }

  session = ota_session_new ();
  configure_session (cli, session);
  if (cli->wifi != NULL)
    {
      g_autoptr (OtaWifi) wifi = ota_wifi_new (NULL, cli->wifi_interface, &error);
      g_autoptr (OtaWifiFilter) filter
          = ota_wifi_filter_new ((const gchar *const *) cli->wifi_patterns);

      if (wifi == NULL)
        return finish_error (cli, error, OTA_DEVICE_STATE_UNCHANGED);
      ota_session_set_wifi (session, wifi, filter, cli->wifi, cli->wifi_password, !cli->host_given);
    }
  /* a unit left mid-upgrade with another file: said before stage two */
  if (recorder != NULL)
    ota_session_set_earlier_file_func (session, ota_history_recorder_earlier_file,
                                       g_object_ref (recorder), g_object_unref);
  engine = ota_flash_new (session);
  g_signal_connect (engine, "event", G_CALLBACK (event_cb), cli);
  g_signal_connect (engine, "cancel-dropped", G_CALLBACK (cancel_dropped_cb), cli);
  cli->engine = engine;
  cli->loop = g_main_loop_new (NULL, FALSE);
  sigint_id = ota_platform_add_interrupt_handler (interrupt_cb, cli);

  ota_cli_history_begin (&cli->history, recorder, cli->writer, engine, path, ufw);
  cli->flash_start = g_get_monotonic_time ();
  ota_flash_run_async (engine, fw, ufw, NULL, flash_done_cb, cli);
  while (!cli->done)
    g_main_loop_run (cli->loop);
  g_source_remove (sigint_id);
  clear_progress_line (cli);
  g_clear_pointer (&cli->loop, g_main_loop_unref);

  advice = ota_flash_dup_advice (engine);
  cli->engine = NULL;
  g_clear_error (&cli->error);
  ota_cli_history_end (&cli->history, recorder, cli->writer, advice);
  return finish (cli, advice);
}

/* ---- batch ------------------------------------------------------------------ */

static void
batch_unit_start_cb (OtaBatch *batch, guint unit, Cli *cli)
{
  const OtaDescription *d = ota_batch_get_device (batch);
  g_autoptr (cJSON) obj = cJSON_CreateObject ();

  ota_event_writer_set_unit (cli->writer, unit);
  ota_event_writer_reset (cli->writer);
  cli->last_decile = -1;
  cli->cancel_said = FALSE;
  cli->last_interrupt = 0;
  cJSON_AddStringToObject (obj, "event", "unit");
  cJSON_AddStringToObject (obj, "state", "start");
  ota_json_add_string (obj, "uuid", d->uuid);
  ota_json_add_string (obj, "product_type", d->product_type);
  ota_json_add_string (obj, "firmware_version", d->firmware_version);
  cJSON_AddBoolToObject (obj, "stage_two_pending", ota_description_needs_stage_two (d));
  write_json (cli, obj);
  say (cli, FALSE, _ ("Unit %u: %s, firmware %s (uuid %s)"), unit,
       d->product_type != NULL ? d->product_type : _ ("unknown product"),
       d->firmware_version != NULL ? d->firmware_version : "unknown", d->uuid);
  cli->flash_start = g_get_monotonic_time ();
  /* every unit is a flash of its own in the history, with the device as
   * read and its network, also when the batch refuses it */
  ota_cli_history_begin (&cli->history, cli->recorder, cli->writer, cli->engine, cli->path,
                         cli->ufw);
  if (cli->recorder != NULL && ota_history_recorder_get_id (cli->recorder) != 0)
    ota_history_recorder_set_device (cli->recorder, d, ota_batch_get_network (batch));
}

static void
batch_unit_end_cb (OtaBatch *batch, guint unit, Cli *cli)
{
  const OtaAdvice *advice = ota_batch_get_advice (batch);
  const OtaDescription *d = ota_batch_get_device (batch);
  g_autoptr (cJSON) obj = cJSON_CreateObject ();
  gdouble secs = (gdouble) (g_get_monotonic_time () - cli->flash_start) / G_USEC_PER_SEC;

  clear_progress_line (cli);
  ota_cli_history_end (&cli->history, cli->recorder, cli->writer, advice);
  cJSON_AddStringToObject (obj, "event", "unit");
  cJSON_AddStringToObject (obj, "state", "end");
  ota_json_add_string (obj, "uuid", d->uuid);
  cJSON_AddStringToObject (obj, "outcome", ota_outcome_to_string (advice->outcome));
  cJSON_AddStringToObject (obj, "status", advice->status);
  cJSON_AddNumberToObject (obj, "exit_code", advice->exit_code);
  cJSON_AddStringToObject (obj, "device_state", ota_device_state_to_string (advice->state));
  ota_json_add_string (obj, "message", advice->message);
  ota_json_add_string (obj, "firmware_version", advice->firmware_version);
  cJSON_AddNumberToObject (obj, "duration", secs);
  write_json (cli, obj);
  ota_event_writer_set_unit (cli->writer, 0);
  /* the one line a technician at a production line reads */
  say (cli, advice->outcome != OTA_OUTCOME_SUCCESS, _ ("Unit %u (uuid %s): %s — %s (%.1f s)"), unit,
       d->uuid, ota_outcome_to_string (advice->outcome),
       advice->outcome == OTA_OUTCOME_SUCCESS ? advice->message
                                              : ota_device_state_to_string (advice->state),
       secs);
  if (advice->outcome != OTA_OUTCOME_SUCCESS)
    say (cli, TRUE, _ ("  %s"), advice->message);
  if (ota_batch_outcome_severity (advice->outcome) > ota_batch_outcome_severity (cli->worst))
    {
      cli->worst = advice->outcome;
      cli->worst_state = advice->state;
      g_free (cli->worst_next_step);
      cli->worst_next_step = g_strdup (advice->next_step);
    }
}

/* Asked once per batch, on a terminal only (otherwise refused). */
static gboolean
batch_confirm_cb (OtaBatch *batch, OtaBatchQuestion question, const OtaDescription *device,
                  const gchar *file_version, gpointer user_data)
{
  Cli *cli = user_data;
  gchar answer[16] = "";

  say (cli, TRUE,
       question == OTA_BATCH_QUESTION_DOWNGRADE
           ? _ ("This device runs %s, newer than the file's %s. Downgrade it and every such unit "
                "of this batch? [y/N]")
           : _ ("This device runs %s already (the file holds %s). Flash it again, and every such "
                "unit of this batch? [y/N]"),
       device->firmware_version, file_version);
  if (fgets (answer, sizeof answer, stdin) == NULL)
    return FALSE;
  return answer[0] == 'y' || answer[0] == 'Y';
}

static void
batch_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Cli *cli = user_data;

  ota_batch_run_finish (OTA_BATCH (source), res, &cli->error);
  cli->done = TRUE;
  g_main_loop_quit (cli->loop);
}

/* The summary event, then the result: 0 only when every unit succeeded. */
static int
finish_batch (Cli *cli, OtaBatch *batch)
{
  g_autoptr (cJSON) summary = cJSON_CreateObject ();
  g_autoptr (cJSON) result = cJSON_CreateObject ();
  g_autoptr (GString) text = g_string_new (NULL);
  cJSON *counts;
  guint units = ota_batch_get_unit (batch);
  OtaExitCode code = ota_batch_get_exit_code (batch);
  gboolean ok = code == OTA_EXIT_SUCCESS;

  cJSON_AddStringToObject (summary, "event", "summary");
  cJSON_AddNumberToObject (summary, "units", units);
  counts = cJSON_AddObjectToObject (summary, "counts");
  for (guint o = 0; o < OTA_OUTCOME_LAST; o++)
    {
      guint n = ota_batch_get_n_outcome (batch, o);

      if (n == 0)
        continue;
      cJSON_AddNumberToObject (counts, ota_outcome_to_string (o), n);
      g_string_append_printf (text, "%s%u %s", text->len > 0 ? ", " : "", n,
                              ota_outcome_to_string (o));
    }
  cJSON_AddBoolToObject (summary, "stopped", ota_batch_is_stopped (batch));
  cJSON_AddNumberToObject (summary, "exit_code", code);
  write_json (cli, summary);

  if (units == 0)
    g_string_assign (text, _ ("no unit was flashed"));
  cJSON_AddStringToObject (result, "event", "result");
  cJSON_AddStringToObject (result, "status", ok ? "success" : "failed");
  cJSON_AddStringToObject (result, "outcome", ota_outcome_to_string (cli->worst));
  cJSON_AddNumberToObject (result, "exit_code", code);
  {
    g_autofree gchar *message = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "Batch of %u unit: %s.", "Batch of %u units: %s.", units),
        units, text->str);
    cJSON_AddStringToObject (result, "message", message);
    if (cli->worst_next_step != NULL)
      cJSON_AddStringToObject (result, "next_step", cli->worst_next_step);
    cJSON_AddStringToObject (result, "device_state",
                             ok ? (units > 0 ? "updated" : "unchanged")
                                : ota_device_state_to_string (cli->worst_state));
    write_json (cli, result);
    say (cli, !ok, "%s", message);
    if (!ok && cli->worst_next_step != NULL)
      say (cli, TRUE, _ ("Next step (worst unit, %s): %s"), ota_outcome_to_string (cli->worst),
           cli->worst_next_step);
  }
  return code;
}

static int
run_batch (Cli *cli, const gchar *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (OtaSession) session = NULL;
  g_autoptr (OtaFlash) engine = NULL;
  g_autoptr (OtaBatch) batch = NULL;
  g_autoptr (OtaHistoryRecorder) recorder = NULL;
  guint sigint_id;
  int ret;

  recorder = ota_cli_history_recorder (&cli->history, cli->writer);
  /* one file for the whole batch, validated once, before any device */
  ufw = load_file (cli, path, &fw, &error);
  if (ufw == NULL)
    {
      g_autoptr (OtaAdvice) advice = ota_advice_new (error, OTA_DEVICE_STATE_UNCHANGED, NULL, NULL);

      ota_cli_history_begin (&cli->history, recorder, cli->writer, NULL, path, NULL);
      ota_cli_history_end (&cli->history, recorder, cli->writer, advice);
      return finish (cli, advice);
    }
  session = ota_session_new ();
  configure_session (cli, session);
  if (recorder != NULL)
    ota_session_set_earlier_file_func (session, ota_history_recorder_earlier_file,
                                       g_object_ref (recorder), g_object_unref);
  engine = ota_flash_new (session);
  g_signal_connect (engine, "event", G_CALLBACK (event_cb), cli);
  g_signal_connect (engine, "cancel-dropped", G_CALLBACK (cancel_dropped_cb), cli);
  batch = ota_batch_new (engine, fw, ufw);
  if (cli->wifi != NULL)
    {
      g_autoptr (OtaWifi) wifi = ota_wifi_new (NULL, cli->wifi_interface, &error);
      g_autoptr (OtaWifiFilter) filter
          = ota_wifi_filter_new ((const gchar *const *) cli->wifi_patterns);

      if (wifi == NULL)
        return finish_error (cli, error, OTA_DEVICE_STATE_UNCHANGED);
      ota_batch_set_wifi (batch, wifi, filter, cli->wifi_password, !cli->host_given);
      g_signal_connect (batch, "event", G_CALLBACK (batch_event_cb), cli);
    }
  ota_batch_set_count (batch, (guint) cli->count);
  ota_batch_set_allow_downgrade (batch, cli->allow_downgrade);
  ota_batch_set_allow_reinstall (batch, cli->allow_reinstall);
  ota_batch_set_expect_product (batch, cli->expect_product);
  if (!cli->json && ota_platform_isatty (0) && ota_platform_isatty (2))
    ota_batch_set_confirm_func (batch, batch_confirm_cb, cli);
  g_signal_connect (batch, "unit-start", G_CALLBACK (batch_unit_start_cb), cli);
  g_signal_connect (batch, "unit-end", G_CALLBACK (batch_unit_end_cb), cli);

  cli->engine = engine;
  cli->run_batch = batch;
  cli->recorder = recorder;
  cli->path = path;
  cli->ufw = ufw;
  cli->worst = OTA_OUTCOME_SUCCESS;
  cli->loop = g_main_loop_new (NULL, FALSE);
  sigint_id = ota_platform_add_interrupt_handler (interrupt_cb, cli);
  if (cli->wifi != NULL && cli->count > 0)
    say (cli, FALSE, _ ("Batch: %d units; waiting for the first device network in range…"),
         cli->count);
  else if (cli->wifi != NULL)
    say (cli, FALSE, _ ("Batch: until Ctrl-C; waiting for the first device network in range…"));
  else if (cli->count > 0)
    say (cli, FALSE, _ ("Batch: %d units; waiting for the first device at %s…"), cli->count,
         cli->host);
  else
    say (cli, FALSE, _ ("Batch: until Ctrl-C; waiting for the first device at %s…"), cli->host);

  ota_batch_run_async (batch, NULL, batch_done_cb, cli);
  while (!cli->done)
    g_main_loop_run (cli->loop);
  g_source_remove (sigint_id);
  clear_progress_line (cli);
  g_clear_pointer (&cli->loop, g_main_loop_unref);

  /* the PC's Wi-Fi could not be used at all: no unit was started */
  if (cli->error != NULL && ota_batch_get_unit (batch) == 0)
    ret = finish_error (cli, cli->error, OTA_DEVICE_STATE_UNCHANGED);
  else
    ret = finish_batch (cli, batch);
  g_clear_error (&cli->error);
  cli->engine = NULL;
  cli->run_batch = NULL;
  cli->recorder = NULL;
  cli->ufw = NULL;
  g_clear_pointer (&cli->worst_next_step, g_free);
  return ret;
}

static int
run_info (Cli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaSession) session = ota_session_new ();
  g_autoptr (OtaDescription) desc = NULL;
  g_autoptr (OtaEvent) ev = NULL;

  configure_session (cli, session);
  desc = ota_session_read_device (session, NULL, &error);
  if (desc == NULL)
    {
      /* a device that does not answer in time is not reachable */
      if (g_error_matches (error, OTA_ERROR, OTA_ERROR_TIMED_OUT))
        {
          g_autoptr (GError) unreachable
              = g_error_new_literal (OTA_ERROR, OTA_ERROR_NOT_REACHABLE, error->message);
          return finish_error (cli, unreachable, OTA_DEVICE_STATE_UNCHANGED);
        }
      return finish_error (cli, error, OTA_DEVICE_STATE_UNCHANGED);
    }
  ev = ota_event_new (OTA_EVENT_DEVICE);
  ev->device = ota_description_copy (desc);
  ota_event_writer_event (cli->writer, ev);
  say (cli, FALSE, _ ("Product:          %s"),
       desc->product_type != NULL ? desc->product_type : "-");
  say (cli, FALSE, _ ("Firmware version: %s"),
       desc->firmware_version != NULL ? desc->firmware_version : "-");
  say (cli, FALSE, _ ("Upgrade method:   %s"),
       ota_description_is_single_backup (desc) ? _ ("single backup (supported)")
                                               : _ ("dual backup (not supported by otaflash)"));
  say (cli, FALSE, _ ("State:            %s"),
       ota_description_needs_stage_two (desc)
           ? _ ("in its updater, waiting for stage two: flash the same file to finish")
           : _ ("normal firmware running"));
  say (cli, FALSE, _ ("UUID:             %s"), desc->uuid != NULL ? desc->uuid : "-");
  say (cli, FALSE, _ ("App type:         %s"),
       desc->match_app_type != NULL ? desc->match_app_type : "-");
  return finish_success (cli,
                         ota_description_needs_stage_two (desc) ? OTA_DEVICE_STATE_NEEDS_RECOVERY
                                                                : OTA_DEVICE_STATE_UNCHANGED,
                         _ ("Device read; nothing was changed."), desc->firmware_version);
}

/* The device networks in range; changes nothing. */
static int
run_scan (Cli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaWifi) wifi = ota_wifi_new (NULL, cli->wifi_interface, &error);
  g_autoptr (OtaWifiFilter) filter = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autofree gchar *summary = NULL;

  if (wifi == NULL)
    return finish_error (cli, error, OTA_DEVICE_STATE_UNKNOWN);
  all = ota_wifi_scan (wifi, ota_wifi_deadline_in (30000), NULL, &error);
  if (all == NULL)
    return finish_error (cli, error, OTA_DEVICE_STATE_UNKNOWN);
  filter = ota_wifi_filter_new ((const gchar *const *) cli->wifi_patterns);
  devices = ota_wifi_filter_devices (filter, all);
  for (guint i = 0; i < devices->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (devices, i);
      gboolean recovery = ota_wifi_ssid_is_recovery (n->ssid);
      g_autoptr (cJSON) obj = ota_wifi_network_to_json (n, recovery);

      write_json (cli, obj);
      say (cli, FALSE, "%-32s  %-17s  %3u %%  %-8s%s", n->ssid, n->bssid, n->signal,
           ota_wifi_security_to_string (n->security),
           recovery ? _ ("  recovery: waits for stage two") : "");
    }
  summary = devices->len == 0
                ? g_strdup (_ ("No device network in range."))
                : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u device network in range.",
                                                "%u device networks in range.", devices->len),
                                   devices->len);
  return finish_success (cli, OTA_DEVICE_STATE_UNKNOWN, summary, NULL);
}

static int
run_check (Cli *cli, const gchar *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaUfw) ufw = load_file (cli, path, NULL, &error);

  if (ufw == NULL)
    return finish_error (cli, error, OTA_DEVICE_STATE_UNKNOWN);
  return finish_success (cli, OTA_DEVICE_STATE_UNKNOWN, _ ("The firmware file is valid."),
                         ota_ufw_get_version (ufw));
}

/* ---- entry ------------------------------------------------------------------ */

static void
log_handler_cb (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
  Cli *cli = data;

  if ((level & G_LOG_LEVEL_DEBUG) != 0 && !cli->verbose && cli->log == NULL)
    return;
  if (cli->log != NULL)
    ota_event_writer_debug (cli->writer, domain, message);
  if (cli->verbose || (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
    {
      clear_progress_line (cli);
      fprintf (stderr, "%s: %s\n", domain != NULL ? domain : "otaflash", message);
    }
}

static const gchar *const summary_text
    = N_ ("Upgrades a JieLi AC79 Wi-Fi device (camera, IoT board) over its own Wi-Fi\n"
          "access point with the two-stage single-backup network upgrade.\n"
          "\n"
          "  otaflash --cli [OPTION…] FIRMWARE.ufw     flash both stages (or finish stage two)\n"
          "  otaflash --cli --info [OPTION…]           read the device, change nothing\n"
          "  otaflash --cli --check FIRMWARE.ufw       validate the file, no device needed\n"
          "  otaflash --cli --scan                     list the device networks in range\n"
          "  otaflash --cli --wifi auto FIRMWARE.ufw   join the device's Wi-Fi, flash, put\n"
          "                                            this PC's network back\n"
          "  otaflash --cli --batch [--count N] FIRMWARE.ufw  flash unit after unit\n"
          "  otaflash --cli --history [--device UUID]  list the flashes recorded (newest first)\n"
          "  otaflash --cli --history-export FILE.csv  write the recorded flashes as CSV\n"
          "\n"
          "Without --wifi, join the device's Wi-Fi network first (and again after each\n"
          "restart). A device that lost power during an upgrade shows up as an open\n"
          "network called WIFI_OTA_XXXXXX: join it (or use --wifi auto) and run the same\n"
          "command again to finish (recovery).");

static const gchar *const exit_codes_text
    = N_ ("Exit codes:\n"
          "  0    success: the device restarted with the new firmware (version confirmed)\n"
          "  2    usage error on the command line\n"
          "  3    the device cannot be reached (wrong Wi-Fi network or address)\n"
          "  4    the firmware file is missing, unreadable or corrupt (device not touched)\n"
          "  5    the device refused (not single-backup, busy with another app, not ready)\n"
          "  6    nothing to do: the device already runs this firmware\n"
          "  7    failed, the device is unchanged (an error before the point of no return)\n"
          "  8    failed, the device needs recovery: it waits for stage two; run again\n"
          "  9    the device did not come back after a restart\n"
          "  10   Wi-Fi: could not scan, join or rejoin the device's network (not in range,\n"
          "       wrong password, no adapter, NetworkManager not running, Wi-Fi off); the\n"
          "       result's device_state says what the device is left with\n"
          "  11   --history or --history-export: the history database cannot be used\n"
          "  130  cancelled, the device is unchanged\n"
          "\n"
          "With --json, stdout carries JSON Lines events ending with one \"result\" event.\n"
          "Default address: 192.168.1.1 (or $OTAFLASH_HOST); with --wifi, the gateway of\n"
          "the device's network.\n"
          "\n"
          "The manual: man otaflash");

static void
cli_clear (Cli *cli)
{
  g_clear_pointer (&cli->host, g_free);
  g_clear_pointer (&cli->log_path, g_free);
  g_clear_pointer (&cli->rest, g_strfreev);
  g_clear_pointer (&cli->wifi_interface, g_free);
  g_clear_pointer (&cli->wifi, g_free);
  if (cli->wifi_password != NULL)
    memset (cli->wifi_password, 0, strlen (cli->wifi_password));
  g_clear_pointer (&cli->wifi_password, g_free);
  g_clear_pointer (&cli->wifi_patterns, g_strfreev);
  g_clear_pointer (&cli->expect_product, g_free);
  g_clear_pointer (&cli->writer, ota_event_writer_free);
  ota_cli_history_clear (&cli->history);
  if (cli->log != NULL)
    {
      fclose (cli->log);
      cli->log = NULL;
    }
}

/* A command line otaflash cannot run: said on stderr, and with --json as the
 * one result event a script waits for. Nothing has reached the device. */
static int
usage_error (Cli *cli, const gchar *problem)
{
  fprintf (stderr, _ ("otaflash: %s\nTry: otaflash --cli --help\n"), problem);
  if (cli->json)
    {
      g_autoptr (cJSON) obj = cJSON_CreateObject ();
      g_autoptr (OtaEventWriter) writer = ota_event_writer_new ();

      cJSON_AddStringToObject (obj, "event", "result");
      cJSON_AddStringToObject (obj, "status", "failed");
      cJSON_AddStringToObject (obj, "message", problem);
      cJSON_AddStringToObject (obj, "next_step",
                               _ ("Correct the command line (otaflash --cli --help lists the "
                                  "options), then run it again."));
      cJSON_AddStringToObject (obj, "device_state", "unchanged");
      cJSON_AddStringToObject (obj, "outcome", "usage");
      cJSON_AddNumberToObject (obj, "exit_code", OTA_EXIT_USAGE);
      ota_event_writer_add_file (writer, stdout, FALSE);
      ota_event_writer_object (writer, obj);
    }
  cli_clear (cli);
  return OTA_EXIT_USAGE;
}

int
ota_cli_run (int argc, char **argv)
{
  Cli cli_data = { 0 };
  Cli *cli = &cli_data;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = NULL;
  const gchar *env_host = g_getenv ("OTAFLASH_HOST");
  int n_rest;
  int ret;
  const GOptionEntry entries[] = {
    { "cli", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &cli->cli, N_ ("Run without a window"),
      NULL },
    { "host", 'H', 0, G_OPTION_ARG_STRING, &cli->host,
      N_ ("Address of the device (default 192.168.1.1, the device's own access point)"),
      N_ ("ADDRESS") },
    { "ctp-port", 0, 0, G_OPTION_ARG_INT, &cli->ctp_port, N_ ("Control port (default 3333)"),
      N_ ("PORT") },
    { "http-port", 0, 0, G_OPTION_ARG_INT, &cli->http_port,
      N_ ("Port of the device's description web server (default 8080)"), N_ ("PORT") },
    { "ota-port", 0, 0, G_OPTION_ARG_INT, &cli->ota_port, N_ ("Upgrade data port (default 3335)"),
      N_ ("PORT") },
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &cli->timeout_s,
      N_ ("Seconds to wait for any one answer from the device before giving up (default 30)"),
      N_ ("S") },
    { "reboot-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &cli->reboot_timeout_s,
      N_ ("Seconds to wait for the device to come back after each restart (default 180)"),
      N_ ("S") },
    { "retries", 'r', 0, G_OPTION_ARG_INT, &cli->retries,
      N_ ("How often to try stage two again after a dropped connection or an error (default 3)"),
      N_ ("N") },
    { "keepalive", 0, 0, G_OPTION_ARG_DOUBLE, &cli->keepalive_s,
      N_ ("Seconds between keep-alives on the control channel during stage one (default 15)"),
      N_ ("S") },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &cli->force,
      N_ ("Accept a file without the updater (ota.bin) or for an unknown chip; never accepts a "
          "corrupt file"),
      NULL },
    { "scan", 0, 0, G_OPTION_ARG_NONE, &cli->scan,
      N_ ("List the device networks in range (Wi-Fi scan): name, signal, security, recovery"),
      NULL },
    { "wifi", 0, 0, G_OPTION_ARG_STRING, &cli->wifi,
      N_ ("Join the device's Wi-Fi network SSID (\"auto\": the only device network in range), "
          "rejoin it after each restart, and put this PC's network back at the end"),
      N_ ("SSID") },
    { "wifi-password", 0, 0, G_OPTION_ARG_STRING, &cli->wifi_password,
      N_ ("The device network's password when it has one (default 12345678, or "
          "$OTAFLASH_WIFI_PASSWORD); never printed"),
      N_ ("PW") },
    { "wifi-interface", 0, 0, G_OPTION_ARG_STRING, &cli->wifi_interface,
      N_ ("The Wi-Fi interface to use (default: the first one)"), N_ ("IF") },
    { "wifi-pattern", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cli->wifi_patterns,
      N_ ("A device network's name, with * and ? (repeatable; default WIFI_OTA_* and "
          "wifi_camera_*)"),
      N_ ("GLOB") },
    { "batch", 0, 0, G_OPTION_ARG_NONE, &cli->batch,
      N_ ("Flash unit after unit with this file: wait for the next device at the address (one not "
          "yet done in this batch), flash it, say its outcome, go on until --count or Ctrl-C"),
      NULL },
    { "count", 0, 0, G_OPTION_ARG_INT, &cli->count,
      N_ ("With --batch: stop after N units (default: until Ctrl-C)"), N_ ("N") },
    { "allow-downgrade", 0, 0, G_OPTION_ARG_NONE, &cli->allow_downgrade,
      N_ ("With --batch: flash units that run a newer version than the file (asked once on a "
          "terminal, refused otherwise)"),
      NULL },
    { "allow-reinstall", 0, 0, G_OPTION_ARG_NONE, &cli->allow_reinstall,
      N_ ("With --batch: flash units that run the file's version already (asked once on a "
          "terminal, otherwise nothing to do)"),
      NULL },
    { "expect-product", 0, 0, G_OPTION_ARG_STRING, &cli->expect_product,
      N_ ("With --batch: refuse a unit whose product type is not TYPE (e.g. AC79x_wifi_camera); "
          "the batch goes on"),
      N_ ("TYPE") },
    { "info", 'i', 0, G_OPTION_ARG_NONE, &cli->info,
      N_ ("Read the device and show it; change nothing"), NULL },
    { "check", 'c', 0, G_OPTION_ARG_NONE, &cli->check,
      N_ ("Validate the firmware file and show what it holds; no device needed"), NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &cli->json,
      N_ ("Print JSON Lines events on stdout instead of text (for scripts)"), NULL },
    { "log", 'l', 0, G_OPTION_ARG_FILENAME, &cli->log_path,
      N_ ("Also write every event and protocol detail to FILE (JSON Lines)"), N_ ("FILE") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &cli->verbose, N_ ("Show protocol details on stderr"),
      NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &cli->version, N_ ("Show the version and exit"), NULL },
    { "history", 0, 0, G_OPTION_ARG_NONE, &cli->history.list,
      N_ ("List the flashes recorded in the history, newest first"), NULL },
    { "history-export", 0, 0, G_OPTION_ARG_FILENAME, &cli->history.export_path,
      N_ ("Write the flashes recorded (all, or those --device/--since/--limit choose) to FILE as "
          "CSV"),
      N_ ("FILE.csv") },
    { "device", 0, 0, G_OPTION_ARG_STRING, &cli->history.device,
      N_ ("With --history or --history-export: only this device's flashes"), N_ ("UUID") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &cli->history.since,
      N_ ("With --history or --history-export: only flashes since DATE (2024-05-01 or ISO 8601)"),
      N_ ("DATE") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &cli->history.limit,
      N_ ("With --history or --history-export: at most N flashes, the newest"), N_ ("N") },
    { "history-db", 0, 0, G_OPTION_ARG_FILENAME, &cli->history.db,
      N_ ("The history database (default $OTAFLASH_HISTORY_DB, else "
          "$XDG_DATA_HOME/otaflash/history.db)"),
      N_ ("PATH") },
    { "no-history", 0, 0, G_OPTION_ARG_NONE, &cli->history.off,
      N_ ("Do not record this flash in the history"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cli->rest, NULL, NULL },
    { NULL }
  };

  /* the JSON Lines are an API: their messages stay English (docs/cli.md) */
  for (gint i = 1; argv[i] != NULL; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--json") || g_str_equal (argv[i], "-j"))
        ota_i18n_use_english ();
    }

  cli->ctp_port = OTA_DEFAULT_CTP_PORT;
  cli->http_port = OTA_DEFAULT_HTTP_PORT;
  cli->ota_port = OTA_DEFAULT_OTA_PORT;
  cli->timeout_s = 30;
  cli->reboot_timeout_s = 180;
  cli->keepalive_s = 15;
  cli->retries = 3;
  cli->last_decile = -1;

  context = g_option_context_new (_ ("--cli [--info | --check] FIRMWARE.ufw"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary_text);
  g_option_context_set_description (context, exit_codes_text);
  g_option_context_add_main_entries (context, entries, NULL);
#ifdef G_OS_WIN32
  args = g_win32_get_command_line ();
#else
  args = g_strdupv (argv);
#endif
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      /* the parse stopped at the error: --json may come after it */
      for (gint i = 1; argv[i] != NULL && !cli->json; i++)
        cli->json = g_str_equal (argv[i], "--json") || g_str_equal (argv[i], "-j");
      return usage_error (cli, error->message);
    }
  if (cli->version)
    {
      printf ("otaflash %s\n", OTA_VERSION);
      cli_clear (cli);
      return OTA_EXIT_SUCCESS;
    }
  cli->host_given = cli->host != NULL || (env_host != NULL && *env_host != '\0');
  if (cli->host == NULL)
    cli->host = g_strdup (env_host != NULL && *env_host != '\0' ? env_host : OTA_DEFAULT_HOST);
  if (cli->wifi_password == NULL && g_getenv ("OTAFLASH_WIFI_PASSWORD") != NULL)
    cli->wifi_password = g_strdup (g_getenv ("OTAFLASH_WIFI_PASSWORD"));

  n_rest = cli->rest != NULL ? (int) g_strv_length (cli->rest) : 0;
  cli->history.json = cli->json;
  {
    const gchar *problem
        = ota_cli_history_check (&cli->history, n_rest, cli->info || cli->check || cli->scan);

    if (problem != NULL || ota_cli_history_is_mode (&cli->history))
      ; /* said, or a history mode: it takes none of the options checked below */
    else if (cli->scan && (cli->info || cli->check || n_rest > 0))
      problem
          = _ ("--scan lists the networks in range; it takes no firmware file, --info or --check");
    else if (cli->wifi != NULL && (cli->info || cli->check || cli->scan))
      problem = _ ("--wifi joins the device's network for a flash; --info, --check and --scan "
                   "take no --wifi");
    else if (cli->wifi != NULL && *cli->wifi == '\0')
      problem = _ ("--wifi needs a network name (SSID) or \"auto\"");
    else if (cli->batch && (cli->info || cli->check || cli->scan))
      problem = _ ("--batch flashes units; --info, --check and --scan take no --batch");
    else if (cli->batch && cli->wifi != NULL && g_strcmp0 (cli->wifi, "auto") != 0)
      problem = _ ("--batch finds each unit's network itself: give --wifi auto, not a network "
                   "name");
    else if (!cli->batch
             && (cli->count != 0 || cli->allow_downgrade || cli->allow_reinstall
                 || cli->expect_product != NULL))
      problem = _ ("--count, --allow-downgrade, --allow-reinstall and --expect-product go with "
                   "--batch");
    else if (cli->count < 0)
      problem = _ ("--count cannot be negative");
    else if (cli->info && cli->check)
      problem = _ ("--info and --check cannot be combined");
    else if (cli->info && n_rest > 0)
      problem = _ ("--info reads the device only; it takes no firmware file");
    else if (!cli->info && !cli->scan && n_rest != 1)
      problem = n_rest == 0 ? _ ("which firmware file? Give one FIRMWARE.ufw")
                            : _ ("give exactly one firmware file");
    else if (cli->ctp_port < 1 || cli->ctp_port > 65535 || cli->http_port < 1
             || cli->http_port > 65535 || cli->ota_port < 1 || cli->ota_port > 65535)
      problem = _ ("ports must be between 1 and 65535");
    else if (cli->timeout_s <= 0 || cli->reboot_timeout_s <= 0 || cli->keepalive_s <= 0)
      problem = _ ("--timeout, --reboot-timeout and --keepalive must be positive");
    else if (cli->timeout_s > 86400 || cli->reboot_timeout_s > 86400 || cli->keepalive_s > 3600)
      problem
          = _ ("--timeout and --reboot-timeout are at most 86400 s, --keepalive at most 3600 s");
    else if (cli->retries < 0)
      problem = _ ("--retries cannot be negative");
    if (problem != NULL)
      return usage_error (cli, problem);
  }

  if (cli->log_path != NULL)
    {
      cli->log = fopen (cli->log_path, "a");
      if (cli->log == NULL)
        {
          g_autofree gchar *problem = g_strdup_printf (_ ("cannot write the log file %s: %s"),
                                                       cli->log_path, g_strerror (errno));
          return usage_error (cli, problem);
        }
    }
  cli->tty = !cli->json && ota_platform_isatty (1);
  cli->writer = ota_event_writer_new ();
  if (cli->json)
    ota_event_writer_add_file (cli->writer, stdout, FALSE);
  if (cli->log != NULL)
    ota_event_writer_add_file (cli->writer, cli->log, TRUE);
  g_log_set_default_handler (log_handler_cb, cli);

  if (ota_cli_history_is_mode (&cli->history))
    ret = ota_cli_history_run (&cli->history, cli->writer);
  else if (cli->scan)
    ret = run_scan (cli);
  else if (cli->info)
    ret = run_info (cli);
  else if (cli->check)
    ret = run_check (cli, cli->rest[0]);
  else if (cli->batch)
    ret = run_batch (cli, cli->rest[0]);
  else
    ret = run_flash (cli, cli->rest[0]);

  g_log_set_default_handler (g_log_default_handler, NULL);
  cli_clear (cli);
  return ret;
}
