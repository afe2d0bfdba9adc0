/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-application.h"
#include "ota-i18n.h"
#include "ota-application-private.h"

#include "ota-batch.h"
#include "ota-cancel-dialog.h"
#include "ota-color-scheme.h"
#include "ota-demo.h"
#include "ota-error.h"
#include "ota-device-monitor.h"
#include "ota-file-check.h"
#include "ota-gui.h"
#include "ota-history-window.h"
#include "ota-history-recorder.h"
#include "ota-settings.h"
#include "ota-wifi.h"

#include <errno.h>

#define OTA_HELP_URI "https://github.com/otaflash/otaflash#readme"

struct _OtaApplication {
  GtkApplication parent_instance;

  OtaSettings *settings;
  OtaColorScheme *color_scheme; /* the desktop's dark/light preference */
  OtaDeviceMonitor *monitor;
  OtaDemo *demo;
  OtaWindow *window;          /* owned by GTK; cleared when destroyed */
  OtaWifi *wifi;              /* the PC's Wi-Fi (NULL: this build cannot control it) */
  OtaWifiFilter *wifi_filter; /* from the patterns setting */
  gchar *wifi_why;            /* why there is no self->wifi */
  guint wifi_filter_source;   /* the patterns are being typed: rebuilt when they settle */

  /* the firmware file */
  GCancellable *file_cancellable;
  gchar *file_path;      /* chosen (being checked or checked) */
  OtaFirmware *firmware; /* when valid */
  OtaUfw *ufw;

  /* the upgrade */
  OtaFlash *engine;             /* the flash engine, reused for every upgrade */
  gboolean flash_pending;       /* waiting for the device monitor's read to end */
  OtaHistoryRecorder *recorder; /* every flash is recorded (docs/history.md) */
  gboolean recording;           /* a record of the current flash is open */
  GtkWidget *cancel_dialog;
  guint inhibit_cookie; /* suspend and idle held off while flashing (0: refused) */
  gboolean inhibiting;  /* asked for, from the flash request to its end */
  gchar *last_log_path; /* this run's log under the state folder */

  /* "Flash Every Device": OtaBatch drives the engine unit after unit */
  OtaBatch *batch;
  gboolean batch_pending;    /* waiting for the device monitor's read to end */
  GtkWidget *batch_question; /* reinstall or downgrade, asked once per batch */
  guint n_batch_questions;   /* asked in this run (for tests) */

  GtkWidget *history_window; /* while shown */

  /* the address the demo took over, put back when leaving it */
  gchar *pre_demo_host;
  guint16 pre_demo_ports[3];
};

G_DEFINE_TYPE (OtaApplication, ota_application, GTK_TYPE_APPLICATION)

/* ---- settings and address ------------------------------------------------------- */

/* $OTAFLASH_HOST wins over the saved address, as it does for the CLI: the test
 * suite and the scripts set it to 127.0.0.1 so that nothing they start can
 * reach a real network. */
static gchar *
initial_host (OtaApplication *self)
{
  const gchar *env = g_getenv ("OTAFLASH_HOST");
  const gchar *saved = ota_settings_get_host (self->settings);

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_strdup (saved != NULL ? saved : OTA_DEFAULT_HOST);
}

static void
save_settings (OtaApplication *self)
{
  g_autoptr (GError) error = NULL;

  if (!ota_settings_save (self->settings, &error))
    g_warning ("cannot save the settings to %s: %s", ota_settings_get_path (self->settings),
               error->message);
}

static gboolean
demo_is_target (OtaApplication *self)
{
  guint16 ctp, http, ota, window_http;

  if (!ota_demo_is_running (self->demo))
    return FALSE;
  ota_demo_get_ports (self->demo, &ctp, &http, &ota);
  ota_window_get_ports (self->window, NULL, &window_http, NULL);
  return g_strcmp0 (ota_window_get_host (self->window), OTA_DEMO_HOST) == 0 && window_http == http;
}

/* Points the device monitor at what the window shows. */
static void
retarget (OtaApplication *self)
{
  g_autofree gchar *host = g_strstrip (g_strdup (ota_window_get_host (self->window)));
  guint16 http;

  ota_window_get_ports (self->window, NULL, &http, NULL);
  if (*host == '\0')
    {
      g_autoptr (GError) error
          = g_error_new_literal (OTA_ERROR, OTA_ERROR_NOT_REACHABLE, "no address");
      ota_device_monitor_set_paused (self->monitor, TRUE);
      ota_window_set_device (self->window, NULL, error);
      return;
    }
  ota_device_monitor_set_target (self->monitor, host, http);
  ota_window_set_demo_mode (self->window, demo_is_target (self));
  ota_window_set_device (self->window, NULL, NULL);
  if (!ota_window_is_flashing (self->window))
    ota_device_monitor_set_paused (self->monitor, FALSE);
}

static void
address_changed_cb (OtaWindow *window, OtaApplication *self)
{
  guint16 ctp, http, ota;

  retarget (self);
  /* the demo's loopback ports are not worth remembering */
  if (demo_is_target (self))
    return;
  ota_window_get_ports (window, &ctp, &http, &ota);
  ota_settings_set_host (self->settings, ota_window_get_host (window));
  ota_settings_set_ports (self->settings, ctp, http, ota);
  save_settings (self);
}

/* ---- the devices' Wi-Fi ----------------------------------------------------------------- */

#define WIFI_PATTERNS_SETTLE_MS 400

/* The device networks: the patterns setting, or the defaults. */
static OtaWifiFilter *
new_wifi_filter (OtaApplication *self)
{
  g_auto (GStrv) patterns
      = ota_settings_split_wifi_patterns (ota_settings_get_wifi_patterns (self->settings));

  return ota_wifi_filter_new ((const gchar *const *) patterns);
}

/* $OTAFLASH_WIFI_PASSWORD wins over the setting, for scripts; NULL: the
 * SDK's default. Never printed or logged. */
static const gchar *
wifi_password (OtaApplication *self)
{
  const gchar *env = g_getenv ("OTAFLASH_WIFI_PASSWORD");

  if (env != NULL && *env != '\0')
    return env;
  return ota_settings_get_wifi_password (self->settings);
}

/* The list scans again with the new patterns. */
static gboolean
wifi_filter_settled_cb (gpointer user_data)
{
  OtaApplication *self = user_data;
  g_autoptr (OtaWifiFilter) filter = new_wifi_filter (self);
  const gchar *const *now = ota_wifi_filter_get_patterns (filter);
  const gchar *const *before = ota_wifi_filter_get_patterns (self->wifi_filter);

  self->wifi_filter_source = 0;
  if (g_strv_equal ((const gchar *const *) now, (const gchar *const *) before))
    return G_SOURCE_REMOVE;
  g_set_object (&self->wifi_filter, filter);
  if (self->window != NULL)
    ota_network_list_set_wifi (ota_window_get_network_list (self->window), self->wifi,
                               self->wifi_filter, self->wifi_why);
  return G_SOURCE_REMOVE;
}

static void
wifi_changed_cb (OtaWindow *window, OtaApplication *self)
{
  ota_settings_set_wifi_patterns (self->settings, ota_window_get_wifi_patterns (window));
  ota_settings_set_wifi_password (self->settings, ota_window_get_wifi_password (window));
  save_settings (self);
  /* not a scan per key typed */
  g_clear_handle_id (&self->wifi_filter_source, g_source_remove);
  self->wifi_filter_source = g_timeout_add (WIFI_PATTERNS_SETTLE_MS, wifi_filter_settled_cb, self);
}

static void
device_updated_cb (OtaDeviceMonitor *monitor, const OtaDescription *desc, const GError *error,
                   OtaApplication *self)
{
  if (self->window != NULL && !ota_window_is_flashing (self->window))
    ota_window_set_device (self->window, desc, error);
}

/* ---- the firmware file ------------------------------------------------------------ */

static void
file_checked_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (OtaApplication) self = user_data;
  g_autoptr (OtaFirmware) firmware = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (GError) error = NULL;

  ufw = ota_file_check_finish (res, &firmware, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->file_cancellable);
  g_set_object (&self->firmware, firmware);
  g_set_object (&self->ufw, ufw);
  if (self->window != NULL)
    ota_window_set_file_result (self->window, self->file_path, ufw, error);
}

static void
choose_file (OtaApplication *self, const gchar *path)
{
  if (self->window == NULL || ota_window_is_flashing (self->window))
    return;
  if (self->file_cancellable != NULL)
    g_cancellable_cancel (self->file_cancellable);
  g_clear_object (&self->file_cancellable);
  g_clear_object (&self->firmware);
  g_clear_object (&self->ufw);
  if (path != self->file_path)
    {
      g_free (self->file_path);
      self->file_path = g_strdup (path);
    }

  self->file_cancellable = g_cancellable_new ();
  ota_window_set_file_checking (self->window, self->file_path);
  ota_window_offer_demo_firmware (self->window, FALSE);
  ota_file_check_async (self->file_path, self->file_cancellable, file_checked_cb,
                        g_object_ref (self));

  /* a demo file lives in a temporary folder: not worth remembering */
  if (!ota_demo_owns_file (self->demo, self->file_path))
    {
      ota_settings_set_last_file (self->settings, self->file_path);
      save_settings (self);
    }
}

static void
file_chosen_cb (OtaWindow *window, const gchar *path, OtaApplication *self)
{
  choose_file (self, path);
}

/* ---- the upgrade -------------------------------------------------------------------- */

static void
engine_event_cb (OtaFlash *engine, const OtaEvent *event, OtaApplication *self)
{
  if (self->window != NULL)
    ota_window_show_event (self->window, event);
}

static void
engine_cancel_dropped_cb (OtaFlash *engine, OtaApplication *self)
{
  if (self->window != NULL)
    ota_window_cancel_dropped (self->window);
}

static void
close_cancel_dialog (OtaApplication *self)
{
  if (self->cancel_dialog != NULL)
    gtk_widget_destroy (self->cancel_dialog);
  g_assert (self->cancel_dialog == NULL);
}

/* $XDG_STATE_HOME/otaflash/logs (g_get_user_state_dir() needs GLib 2.72) */
static gchar *
log_dir (void)
{
  const gchar *state = g_getenv ("XDG_STATE_HOME");

  if (state != NULL && g_path_is_absolute (state))
    return g_build_filename (state, "otaflash", "logs", NULL);
  return g_build_filename (g_get_home_dir (), ".local", "state", "otaflash", "logs", NULL);
}

/* Every run's log is kept without asking: support asks for it after the
 * fact, when nobody pressed Save Log. */
static void
keep_log (OtaApplication *self)
{
  g_autofree gchar *dir = log_dir ();
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *name = g_date_time_format (now, "otaflash-%Y%m%d-%H%M%S");
  g_autoptr (GError) error = NULL;
  gchar *path = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_warning ("cannot create %s for the logs: %s", dir, g_strerror (errno));
      return;
    }
  /* two runs within a second keep both */
  for (guint i = 0; path == NULL || g_file_test (path, G_FILE_TEST_EXISTS); i++)
    {
      g_autofree gchar *file
          = i == 0 ? g_strconcat (name, ".jsonl", NULL) : g_strdup_printf ("%s-%u.jsonl", name, i);
      g_free (path);
      path = g_build_filename (dir, file, NULL);
    }
  g_free (self->last_log_path);
  self->last_log_path = path;
  if (!ota_window_save_log (self->window, path, &error))
    g_warning ("cannot keep the log: %s", error->message);
}

static void
uninhibit (OtaApplication *self)
{
  if (self->inhibit_cookie != 0)
    gtk_application_uninhibit (GTK_APPLICATION (self), self->inhibit_cookie);
  self->inhibit_cookie = 0;
  self->inhibiting = FALSE;
}

/* The end of a run: sleep allowed again, the log kept, and a technician
 * who looked away is told. */
static void
flash_ended (OtaApplication *self, const OtaAdvice *advice)
{
  uninhibit (self);
  keep_log (self);
  if (!gtk_window_is_active (GTK_WINDOW (self->window)))
    {
      g_autoptr (GNotification) notification = g_notification_new (advice->headline);

      gtk_window_set_urgency_hint (GTK_WINDOW (self->window), TRUE);
      g_notification_set_body (notification,
                               advice->summary != NULL ? advice->summary : advice->message);
      g_notification_set_priority (notification, advice->outcome == OTA_OUTCOME_SUCCESS
                                                     ? G_NOTIFICATION_PRIORITY_NORMAL
                                                     : G_NOTIFICATION_PRIORITY_HIGH);
      /* without a session bus there is nobody to tell */
      if (g_application_get_dbus_connection (G_APPLICATION (self)) != NULL)
        g_application_send_notification (G_APPLICATION (self), "flash-result", notification);
    }
}

static void
flash_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (OtaApplication) self = user_data;
  g_autoptr (OtaAdvice) advice = NULL;

  ota_flash_run_finish (OTA_FLASH (source), res, NULL);
  close_cancel_dialog (self);
  advice = ota_flash_dup_advice (OTA_FLASH (source));
  /* the application may be gone (its recorder with it) while the flash ended */
  if (self->recording && self->recorder != NULL)
    {
      g_autoptr (GError) error = NULL;

      self->recording = FALSE;
      if (!ota_history_recorder_end (self->recorder, advice, &error))
        g_message ("this flash is not recorded in the history: %s", error->message);
    }
  if (self->window == NULL)
    return;
  ota_window_flash_finished (self->window, advice);
  flash_ended (self, advice);
  /* back to watching the device: it shows what the device is left with */
  ota_device_monitor_set_paused (self->monitor, FALSE);
  /* the device's networks changed with its restarts */
  ota_network_list_refresh (ota_window_get_network_list (self->window));
}

/* The history is opened at the first flash; a history that cannot be used
 * is said in the terminal (the History window says it too when opened) and
 * the flash goes on. */
static void
record_begin (OtaApplication *self)
{
  g_autoptr (GError) error = NULL;

  if (self->recorder == NULL)
    {
      g_autofree gchar *path = ota_history_default_path ();
      g_autoptr (OtaHistory) history = ota_history_open (path, &error);

      if (history == NULL)
        {
          g_message ("this flash is not recorded in the history: %s", error->message);
          return;
        }
      if (ota_history_get_moved_aside (history) != NULL)
        g_message ("the history database %s could not be read (%s); it was moved aside to %s "
                   "and a new one was started",
                   path, ota_history_get_moved_aside_reason (history),
                   ota_history_get_moved_aside (history));
      self->recorder = ota_history_recorder_new (history);
    }
  self->recording = ota_history_recorder_begin (self->recorder, self->engine, self->file_path,
                                                self->ufw, &error);
  if (!self->recording)
    g_message ("this flash is not recorded in the history: %s", error->message);
}

/* The address was given by hand ($OTAFLASH_HOST, or an address other than
 * the default in the field): it stays. Else the device's address is the
 * gateway of the network joined, as with otaflash --cli --wifi and no --host. */
static gboolean
host_given (OtaApplication *self, const gchar *host)
{
  const gchar *env = g_getenv ("OTAFLASH_HOST");

  return (env != NULL && *env != '\0') || g_strcmp0 (host, OTA_DEFAULT_HOST) != 0;
}

/* The Wi-Fi steps of this flash: the network chosen in the window ("auto"
 * when none), or none at all (joined by hand, the demo on this PC, or no
 * device network in the list). */
static void
set_up_wifi (OtaApplication *self, OtaSession *session, const gchar *host)
{
  OtaNetworkList *list = ota_window_get_network_list (self->window);
  const gchar *ssid = ota_network_list_get_selected (list);

  /* no device network in range (a device reached some other way): as before */
  if (self->wifi == NULL || demo_is_target (self) || !ota_network_list_get_auto_join (list)
      || (ssid == NULL && ota_network_list_get_networks (list)->len == 0))
    {
      ota_session_set_wifi (session, NULL, NULL, NULL, NULL, FALSE);
      return;
    }
  ota_session_set_wifi (session, self->wifi, self->wifi_filter, ssid != NULL ? ssid : "auto",
                        wifi_password (self), !host_given (self, host));
}

static void
start_flash (OtaApplication *self)
{
  OtaSession *session = ota_flash_get_session (self->engine);
  guint16 ctp, http, ota;
  g_autofree gchar *host = NULL;

  self->flash_pending = FALSE;
  if (self->window == NULL || self->firmware == NULL || self->ufw == NULL)
    return;
  host = g_strstrip (g_strdup (ota_window_get_host (self->window)));
  ota_window_get_ports (self->window, &ctp, &http, &ota);
  ota_session_set_host (session, host);
  ota_session_set_ports (session, ctp, http, ota);
  set_up_wifi (self, session, host);
  record_begin (self);
  ota_flash_run_async (self->engine, self->firmware, self->ufw, NULL, flash_done_cb,
                       g_object_ref (self));
}

/* ---- "Flash Every Device" ---------------------------------------------------------- */

static void
reload_history_window (OtaApplication *self)
{
  if (self->history_window != NULL)
    ota_history_window_reload (OTA_HISTORY_WINDOW (self->history_window));
}

static void
close_batch_question (OtaApplication *self)
{
  if (self->batch_question != NULL)
    gtk_widget_destroy (self->batch_question);
  g_assert (self->batch_question == NULL);
}

#define BATCH_QUESTION_RESPONSE_ALLOW 1

static void
batch_question_response_cb (GtkDialog *dialog, gint response, OtaApplication *self)
{
  gtk_widget_destroy (GTK_WIDGET (dialog));
  /* Cancel, Escape or the close button: refused for the rest of the batch */
  if (self->batch != NULL && ota_batch_is_asking (self->batch))
    ota_batch_answer (self->batch, response == BATCH_QUESTION_RESPONSE_ALLOW);
}

/* OtaBatch asks on the main context and waits for ota_batch_answer(): a
 * dialog that answers when closed, no nested main loop. */
static void
batch_ask_cb (OtaBatch *batch, OtaBatchQuestion question, const OtaDescription *device,
              const gchar *file_version, gpointer user_data)
{
  OtaApplication *self = user_data;
  gboolean downgrade = question == OTA_BATCH_QUESTION_DOWNGRADE;
  GtkWidget *dialog;

  if (self->window == NULL)
    {
      ota_batch_answer (batch, FALSE);
      return;
    }
  close_batch_question (self);
  self->n_batch_questions++;
  dialog = gtk_message_dialog_new (
      GTK_WINDOW (self->window), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
      GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
      downgrade ? _ ("Downgrade every unit that runs a newer version to %s?")
                : _ ("Reinstall firmware %s on every unit that already runs it?"),
      file_version);
  if (downgrade)
    gtk_message_dialog_format_secondary_text (
        GTK_MESSAGE_DIALOG (dialog),
        _ ("This unit runs %s. The answer holds for the rest of this batch: Cancel skips "
           "every such unit."),
        device->firmware_version);
  else
    gtk_message_dialog_format_secondary_text (
        GTK_MESSAGE_DIALOG (dialog),
        _ ("This unit runs %s already. The answer holds for the rest of this batch: Cancel "
           "skips every such unit."),
        device->firmware_version);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _ ("_Cancel"), GTK_RESPONSE_CANCEL,
                          downgrade ? _ ("_Downgrade") : _ ("_Reinstall"),
                          BATCH_QUESTION_RESPONSE_ALLOW, NULL);
  /* the safe answer by default */
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  self->batch_question = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->batch_question);
  g_signal_connect (dialog, "response", G_CALLBACK (batch_question_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
batch_unit_start_cb (OtaBatch *batch, guint unit, OtaApplication *self)
{
  if (self->window == NULL)
    return;
  ota_window_flash_started (self->window);
  ota_batch_view_add_unit (ota_window_get_batch_view (self->window), unit,
                           ota_batch_get_device (batch));
  /* every unit is a flash of its own in the history, as with --batch */
  record_begin (self);
}

static void
batch_unit_end_cb (OtaBatch *batch, guint unit, OtaApplication *self)
{
  const OtaAdvice *advice = ota_batch_get_advice (batch);

  close_cancel_dialog (self);
  close_batch_question (self);
  if (self->recording && self->recorder != NULL)
    {
      g_autoptr (GError) error = NULL;

      self->recording = FALSE;
      if (!ota_history_recorder_end (self->recorder, advice, &error))
        g_message ("this flash is not recorded in the history: %s", error->message);
    }
  if (self->window == NULL)
    return;
  ota_window_flash_finished (self->window, advice);
  ota_batch_view_finish_unit (ota_window_get_batch_view (self->window), unit, advice,
                              ota_batch_is_stopped (batch));
  keep_log (self);
  reload_history_window (self);
}

static void
batch_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (OtaApplication) self = user_data;

  ota_batch_run_finish (OTA_BATCH (source), res, NULL);
  if (self->batch != NULL)
    g_signal_handlers_disconnect_by_data (self->batch, self);
  g_clear_object (&self->batch);
  close_cancel_dialog (self);
  close_batch_question (self);
  uninhibit (self);
  if (self->window == NULL)
    return;
  ota_window_batch_finished (self->window);
  ota_device_monitor_set_paused (self->monitor, FALSE);
}

/* As otaflash --cli --batch: the window's file, address and ports; no
 * Wi-Fi steps (the units' network is joined by hand, docs/cli.md); the
 * first unit that runs the file's version (or a newer one) asks whether to
 * reinstall (downgrade) every such unit of the batch. */
static void
start_batch (OtaApplication *self)
{
  OtaSession *session = ota_flash_get_session (self->engine);
  guint16 ctp, http, ota;
  g_autofree gchar *host = NULL;

  self->batch_pending = FALSE;
  if (self->window == NULL || self->firmware == NULL || self->ufw == NULL)
    return;
  host = g_strstrip (g_strdup (ota_window_get_host (self->window)));
  ota_window_get_ports (self->window, &ctp, &http, &ota);
  ota_session_set_host (session, host);
  ota_session_set_ports (session, ctp, http, ota);
  ota_session_set_wifi (session, NULL, NULL, NULL, NULL, FALSE);
  self->batch = ota_batch_new (self->engine, self->firmware, self->ufw);
  g_signal_connect (self->batch, "unit-start", G_CALLBACK (batch_unit_start_cb), self);
  g_signal_connect (self->batch, "unit-end", G_CALLBACK (batch_unit_end_cb), self);
  ota_batch_set_ask_func (self->batch, batch_ask_cb, self);
  ota_batch_run_async (self->batch, NULL, batch_done_cb, g_object_ref (self));
}

/* A flash or a batch begins: no sleep while it runs (a laptop that sleeps
 * halfway through stage two strands the device), and the engine is the only
 * one talking to the device: the monitor's read in flight (if any) is
 * cancelled and awaited first. FALSE: wait for the monitor to be idle. */
static gboolean
take_device (OtaApplication *self, OtaWindow *window)
{
  g_application_withdraw_notification (G_APPLICATION (self), "flash-result");
  self->inhibiting = TRUE;
  self->inhibit_cookie
      = gtk_application_inhibit (GTK_APPLICATION (self), GTK_WINDOW (window),
                                 GTK_APPLICATION_INHIBIT_SUSPEND | GTK_APPLICATION_INHIBIT_IDLE,
                                 _ ("Flashing firmware into a device"));
  ota_device_monitor_set_paused (self->monitor, TRUE);
  return !ota_device_monitor_get_busy (self->monitor);
}

static void
batch_requested_cb (OtaWindow *window, OtaApplication *self)
{
  if (ota_flash_is_running (self->engine) || self->flash_pending || self->batch != NULL
      || self->batch_pending || self->firmware == NULL)
    return;
  ota_window_batch_started (window);
  /* the batch reads the address itself from now on */
  if (take_device (self, window))
    start_batch (self);
  else
    self->batch_pending = TRUE;
}

/* No new unit; the one in progress ends as it would (Cancel cancels it). */
static void
batch_stop_requested_cb (OtaBatchView *view, OtaApplication *self)
{
  if (self->batch != NULL)
    ota_batch_stop (self->batch);
}

static void
monitor_busy_cb (OtaDeviceMonitor *monitor, GParamSpec *pspec, OtaApplication *self)
{
  if (self->flash_pending && !ota_device_monitor_get_busy (monitor))
    start_flash (self);
  if (self->batch_pending && !ota_device_monitor_get_busy (monitor))
    start_batch (self);
}

static void
flash_requested_cb (OtaWindow *window, OtaApplication *self)
{
  if (ota_flash_is_running (self->engine) || self->flash_pending || self->batch != NULL
      || self->batch_pending || self->firmware == NULL)
    return;
  ota_window_flash_started (window);
  if (take_device (self, window))
    start_flash (self);
  else
    self->flash_pending = TRUE;
}

static void
cancel_dialog_response_cb (GtkDialog *dialog, gint response, OtaApplication *self)
{
  if (response == OTA_CANCEL_DIALOG_RESPONSE_CANCEL_ANYWAY
      && ota_flash_cancel (self->engine, OTA_CANCEL_CONFIRMED) == OTA_CANCEL_TAKEN)
    {
      g_debug ("cancel confirmed after the point of no return");
      if (self->window != NULL)
        ota_window_show_cancelling (self->window);
    }
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
cancel_requested_cb (OtaWindow *window, OtaApplication *self)
{
  if (self->batch_pending)
    {
      /* nothing has reached any device yet */
      self->batch_pending = FALSE;
      uninhibit (self);
      ota_window_batch_finished (window);
      ota_device_monitor_set_paused (self->monitor, FALSE);
      return;
    }
  if (self->batch != NULL)
    {
      /* no new unit; the unit in progress (if any) as a single flash */
      if (!ota_batch_is_stopped (self->batch))
        ota_batch_view_set_stopping (ota_window_get_batch_view (window));
      ota_batch_stop (self->batch);
      if (!ota_batch_in_unit (self->batch))
        return;
    }
  if (self->flash_pending)
    {
      /* nothing has reached the device yet */
      g_autoptr (GError) error
          = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      g_autoptr (OtaAdvice) advice = ota_advice_new (error, OTA_DEVICE_STATE_UNCHANGED, NULL, NULL);

      self->flash_pending = FALSE;
      ota_window_flash_finished (window, advice);
      flash_ended (self, advice);
      ota_device_monitor_set_paused (self->monitor, FALSE);
      return;
    }
  if (!ota_flash_is_running (self->engine) || ota_flash_is_cancelling (self->engine))
    return;
  if (ota_flash_cancel (self->engine, OTA_CANCEL_SAFE) == OTA_CANCEL_TAKEN)
    {
      /* before the point of no return: at once; the core answers the
       * device's next request with STOP and the old firmware stays (or,
       * should the device commit first, says so and goes on) */
      ota_window_show_cancelling (window);
      return;
    }
  /* after it: only as an explicit, confirmed choice (protocol.md S5) */
  if (self->cancel_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->cancel_dialog));
      return;
    }
  self->cancel_dialog = ota_cancel_dialog_new (GTK_WINDOW (window));
  g_object_add_weak_pointer (G_OBJECT (self->cancel_dialog), (gpointer *) &self->cancel_dialog);
  g_signal_connect (self->cancel_dialog, "response", G_CALLBACK (cancel_dialog_response_cb), self);
  gtk_window_present (GTK_WINDOW (self->cancel_dialog));
}

/* ---- the demo device ------------------------------------------------------------------ */

static void
point_at_demo (OtaApplication *self)
{
  guint16 ctp, http, ota;

  if (!demo_is_target (self))
    {
      g_free (self->pre_demo_host);
      self->pre_demo_host = g_strdup (ota_window_get_host (self->window));
      ota_window_get_ports (self->window, &self->pre_demo_ports[0], &self->pre_demo_ports[1],
                            &self->pre_demo_ports[2]);
    }
  ota_demo_get_ports (self->demo, &ctp, &http, &ota);
  ota_window_set_address (self->window, OTA_DEMO_HOST, ctp, http, ota);
  retarget (self);
  ota_window_offer_demo_firmware (self->window, self->ufw == NULL);
}

static void
demo_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (OtaApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!ota_demo_start_finish (OTA_DEMO (source), res, &error))
    {
      if (self->window == NULL)
        return;
      ota_window_set_demo_starting (self->window, FALSE);
      ota_window_show_problem (self->window, error->message,
                               _ ("Install otaflash-emu next to otaflash, or set OTAFLASH_EMU to "
                                  "its path."));
      retarget (self);
      return;
    }
  if (self->window == NULL)
    {
      ota_demo_stop (self->demo);
      return;
    }
  ota_window_set_demo_starting (self->window, FALSE);
  point_at_demo (self);
}

static void
demo_requested_cb (OtaWindow *window, OtaApplication *self)
{
  if (ota_demo_is_running (self->demo))
    {
      point_at_demo (self);
      return;
    }
  ota_window_set_demo_starting (window, TRUE);
  ota_device_monitor_set_paused (self->monitor, TRUE);
  ota_demo_start_async (self->demo, NULL, demo_started_cb, g_object_ref (self));
}

/* Back to the address the demo took over; the emulator stops. */
static void
leave_demo_requested_cb (OtaWindow *window, OtaApplication *self)
{
  if (ota_flash_is_running (self->engine) || self->flash_pending)
    return;
  if (self->pre_demo_host != NULL)
    ota_window_set_address (window, self->pre_demo_host, self->pre_demo_ports[0],
                            self->pre_demo_ports[1], self->pre_demo_ports[2]);
  else
    {
      g_autofree gchar *host = initial_host (self);
      guint16 ctp, http, ota;

      ota_settings_get_ports (self->settings, &ctp, &http, &ota);
      ota_window_set_address (window, host, ctp, http, ota);
    }
  g_clear_pointer (&self->pre_demo_host, g_free);
  ota_demo_stop (self->demo);
  ota_window_offer_demo_firmware (window, FALSE);
  retarget (self);
}

static void
demo_firmware_made_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (OtaApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = ota_demo_make_firmware_finish (OTA_DEMO (source), res, &error);

  if (self->window == NULL)
    return;
  if (path == NULL)
    ota_window_show_problem (self->window, error->message, _ ("Choose a firmware file instead."));
  else
    choose_file (self, path);
}

static void
demo_firmware_requested_cb (OtaWindow *window, OtaApplication *self)
{
  ota_demo_make_firmware_async (self->demo, NULL, demo_firmware_made_cb, g_object_ref (self));
}

/* ---- the window ---------------------------------------------------------------------- */

static void
window_destroy_cb (GtkWidget *widget, OtaApplication *self)
{
  close_cancel_dialog (self);
  close_batch_question (self);
  if (self->history_window != NULL)
    gtk_widget_destroy (self->history_window);
  /* the window goes: no new unit, and a confirmed cancel (closing asked
   * first while flashing) */
  if (self->batch != NULL)
    ota_batch_stop (self->batch);
  self->batch_pending = FALSE;
  ota_flash_cancel (self->engine, OTA_CANCEL_CONFIRMED);
  uninhibit (self);
  g_clear_handle_id (&self->wifi_filter_source, g_source_remove);
  if (self->file_cancellable != NULL)
    g_cancellable_cancel (self->file_cancellable);
  ota_device_monitor_set_paused (self->monitor, TRUE);
  /* the emulator goes with the window */
  ota_demo_stop (self->demo);
  self->window = NULL;
}

static void
window_active_cb (GtkWindow *window, GParamSpec *pspec, OtaApplication *self)
{
  if (gtk_window_is_active (window))
    {
      gtk_window_set_urgency_hint (window, FALSE);
      g_application_withdraw_notification (G_APPLICATION (self), "flash-result");
    }
}

static OtaWindow *
ensure_window (OtaApplication *self)
{
  g_autofree gchar *host = NULL;
  guint16 ctp, http, ota;
  const gchar *last;

  if (self->window != NULL)
    return self->window;

  self->window = ota_window_new (GTK_APPLICATION (self));
  g_signal_connect (self->window, "destroy", G_CALLBACK (window_destroy_cb), self);
  g_signal_connect (self->window, "file-chosen", G_CALLBACK (file_chosen_cb), self);
  g_signal_connect (self->window, "address-changed", G_CALLBACK (address_changed_cb), self);
  g_signal_connect (self->window, "wifi-changed", G_CALLBACK (wifi_changed_cb), self);
  g_signal_connect (self->window, "flash-requested", G_CALLBACK (flash_requested_cb), self);
  g_signal_connect (self->window, "cancel-requested", G_CALLBACK (cancel_requested_cb), self);
  g_signal_connect (self->window, "demo-requested", G_CALLBACK (demo_requested_cb), self);
  g_signal_connect (self->window, "demo-firmware-requested",
                    G_CALLBACK (demo_firmware_requested_cb), self);
  g_signal_connect (self->window, "leave-demo-requested", G_CALLBACK (leave_demo_requested_cb),
                    self);
  g_signal_connect (self->window, "batch-requested", G_CALLBACK (batch_requested_cb), self);
  g_signal_connect (ota_window_get_batch_view (self->window), "stop-requested",
                    G_CALLBACK (batch_stop_requested_cb), self);
  /* the urgency hint ends when the technician looks */
  g_signal_connect (self->window, "notify::is-active", G_CALLBACK (window_active_cb), self);

  /* the address is in place before the first read */
  host = initial_host (self);
  ota_settings_get_ports (self->settings, &ctp, &http, &ota);
  ota_window_set_address (self->window, host, ctp, http, ota);
  retarget (self);

  /* the device networks in range, looked for at once */
  ota_window_set_wifi (self->window, ota_settings_get_wifi_patterns (self->settings),
                       ota_settings_get_wifi_password (self->settings));
  ota_network_list_set_wifi (ota_window_get_network_list (self->window), self->wifi,
                             self->wifi_filter, self->wifi_why);

  last = ota_settings_get_last_file (self->settings);
  if (last != NULL && g_file_test (last, G_FILE_TEST_IS_REGULAR))
    choose_file (self, last);
  return self->window;
}

/* ---- GApplication -------------------------------------------------------------------- */

static void
quit_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OtaApplication *self = OTA_APPLICATION (user_data);

  /* through delete-event: a running upgrade is cancelled, not cut */
  if (self->window != NULL)
    gtk_window_close (GTK_WINDOW (self->window));
}

static void
about_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OtaApplication *self = OTA_APPLICATION (user_data);

  gtk_show_about_dialog (
      self->window != NULL ? GTK_WINDOW (self->window) : NULL, "program-name", "otaflash",
      "version", OTA_VERSION, "logo-icon-name", OTA_APPLICATION_ID, "comments",
      _ ("Two-stage network firmware upgrade for JieLi AC79 Wi-Fi devices, with a "
         "built-in device emulator."),
      "license-type", GTK_LICENSE_LGPL_2_1, "website", OTA_HELP_URI, NULL);
}

static void
help_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OtaApplication *self = OTA_APPLICATION (user_data);
  g_autoptr (GError) error = NULL;

  if (!gtk_show_uri_on_window (self->window != NULL ? GTK_WINDOW (self->window) : NULL,
                               OTA_HELP_URI, GDK_CURRENT_TIME, &error)
      && self->window != NULL)
    {
      g_autofree gchar *hint = g_strdup_printf (_ ("Open %s in a web browser."), OTA_HELP_URI);

      ota_window_show_problem (self->window, error->message, hint);
    }
}

/* The history window opens its own handle on the same database. */
static void
history_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OtaApplication *self = OTA_APPLICATION (user_data);

  if (self->history_window == NULL)
    {
      self->history_window = GTK_WIDGET (
          ota_history_window_new (self->window != NULL ? GTK_WINDOW (self->window) : NULL, NULL));
      g_object_add_weak_pointer (G_OBJECT (self->history_window),
                                 (gpointer *) &self->history_window);
    }
  gtk_window_present (GTK_WINDOW (self->history_window));
}

static const GActionEntry app_entries[] = {
  { "history", history_action_cb, NULL, NULL, NULL, { 0 } },
  { "quit", quit_action_cb, NULL, NULL, NULL, { 0 } },
  { "about", about_action_cb, NULL, NULL, NULL, { 0 } },
  { "help", help_action_cb, NULL, NULL, NULL, { 0 } },
};

static void
ota_application_startup (GApplication *app)
{
  OtaApplication *self = OTA_APPLICATION (app);
  const gchar *quit_accels[] = { "<Control>q", NULL };
  const gchar *open_accels[] = { "<Control>o", NULL };
  const gchar *help_accels[] = { "F1", NULL };
  static gsize css_added = 0;

  /* the desktop file and the window manager know the window by this; set
   * after the command line was parsed (its --help says "otaflash") and
   * before GTK opens the display, which takes the name from here */
  g_set_prgname (OTA_APPLICATION_ID);
  G_APPLICATION_CLASS (ota_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.open", open_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.help", help_accels);
  /* the result's colours and sizes (ui/ota-window.css), once per process:
   * the screen keeps the provider */
  if (g_once_init_enter (&css_added))
    {
      g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (css, "/io/github/otaflash/Otaflash/ota-window.css");
      gtk_style_context_add_provider_for_screen (gdk_screen_get_default (),
                                                 GTK_STYLE_PROVIDER (css),
                                                 GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&css_added, 1);
    }
  gtk_window_set_default_icon_name (OTA_APPLICATION_ID);
  self->color_scheme = ota_color_scheme_new (gtk_settings_get_default ());

  self->settings = ota_settings_new ();
  self->monitor = ota_device_monitor_new ();
  g_signal_connect (self->monitor, "updated", G_CALLBACK (device_updated_cb), self);
  g_signal_connect (self->monitor, "notify::busy", G_CALLBACK (monitor_busy_cb), self);
  self->demo = ota_demo_new ();

  /* $OTA_WIFI_BACKEND or the best this build has; no system call yet */
  {
    g_autoptr (GError) error = NULL;

    self->wifi = ota_wifi_new (NULL, NULL, &error);
    if (self->wifi == NULL)
      self->wifi_why = g_strdup (error->message);
    self->wifi_filter = new_wifi_filter (self);
  }
}

static void
ota_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (ensure_window (OTA_APPLICATION (app))));
}

static void
ota_application_open (GApplication *app, GFile **files, gint n_files, const gchar *hint)
{
  OtaApplication *self = OTA_APPLICATION (app);
  OtaWindow *window = ensure_window (self);
  g_autofree gchar *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;

  if (path != NULL)
    choose_file (self, path);
  else if (n_files > 0)
    {
      g_autofree gchar *uri = g_file_get_uri (files[0]);
      g_autofree gchar *message = g_strdup_printf (_ ("%s is not a local file"), uri);

      ota_window_show_problem (window, message, _ ("Copy the firmware file to this PC first."));
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
ota_application_shutdown (GApplication *app)
{
  OtaApplication *self = OTA_APPLICATION (app);

  if (self->history_window != NULL)
    gtk_widget_destroy (self->history_window);
  if (self->window != NULL)
    gtk_widget_destroy (GTK_WIDGET (self->window));
  if (self->demo != NULL)
    ota_demo_stop (self->demo);
  g_clear_object (&self->color_scheme);
  G_APPLICATION_CLASS (ota_application_parent_class)->shutdown (app);
}

static void
ota_application_dispose (GObject *object)
{
  OtaApplication *self = OTA_APPLICATION (object);

  if (self->file_cancellable != NULL)
    g_cancellable_cancel (self->file_cancellable);
  g_clear_object (&self->file_cancellable);
  if (self->engine != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      ota_flash_cancel (self->engine, OTA_CANCEL_CONFIRMED);
    }
  g_clear_handle_id (&self->wifi_filter_source, g_source_remove);
  g_clear_object (&self->recorder);
  g_clear_object (&self->engine);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->demo);
  g_clear_object (&self->settings);
  g_clear_object (&self->wifi);
  g_clear_object (&self->wifi_filter);
  g_clear_object (&self->color_scheme);
  g_clear_object (&self->firmware);
  g_clear_object (&self->ufw);
  G_OBJECT_CLASS (ota_application_parent_class)->dispose (object);
}

static void
ota_application_finalize (GObject *object)
{
  OtaApplication *self = OTA_APPLICATION (object);

  g_free (self->file_path);
  g_free (self->pre_demo_host);
  g_free (self->last_log_path);
  g_free (self->wifi_why);
  G_OBJECT_CLASS (ota_application_parent_class)->finalize (object);
}

static void
ota_application_class_init (OtaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ota_application_dispose;
  object_class->finalize = ota_application_finalize;
  app_class->startup = ota_application_startup;
  app_class->activate = ota_application_activate;
  app_class->open = ota_application_open;
  app_class->shutdown = ota_application_shutdown;
}

static void
ota_application_init (OtaApplication *self)
{
  g_autoptr (OtaSession) session = ota_session_new ();

  ota_gui_register_resources ();
  self->engine = ota_flash_new (session);
  g_signal_connect (self->engine, "event", G_CALLBACK (engine_event_cb), self);
  g_signal_connect (self->engine, "cancel-dropped", G_CALLBACK (engine_cancel_dropped_cb), self);
}

OtaApplication *
ota_application_new (void)
{
  /* the resources (gtk/help-overlay.ui) stay where they are whatever the id */
  return g_object_new (OTA_TYPE_APPLICATION, "application-id", OTA_APPLICATION_ID, "flags",
                       G_APPLICATION_HANDLES_OPEN, "resource-base-path",
                       "/io/github/otaflash/Otaflash", NULL);
}

OtaWindow *
ota_application_get_window (OtaApplication *self)
{
  g_return_val_if_fail (OTA_IS_APPLICATION (self), NULL);
  return self->window;
}

GtkWidget *
ota_application_get_history_window (OtaApplication *self)
{
  g_return_val_if_fail (OTA_IS_APPLICATION (self), NULL);
  return self->history_window;
}

GtkWidget *
ota_application_get_cancel_dialog (OtaApplication *self)
{
  g_return_val_if_fail (OTA_IS_APPLICATION (self), NULL);
  return self->cancel_dialog;
}

gboolean
ota_application_get_inhibiting (OtaApplication *self)
{
  g_return_val_if_fail (OTA_IS_APPLICATION (self), FALSE);
  return self->inhibiting;
}

const gchar *
ota_application_get_last_log_path (OtaApplication *self)
{
  g_return_val_if_fail (OTA_IS_APPLICATION (self), NULL);
  return self->last_log_path;
}

OtaFlash *
ota_application_get_engine (OtaApplication *self)
{
  g_return_val_if_fail (OTA_IS_APPLICATION (self), NULL);
  return self->engine;
}

GtkWidget *
ota_application_get_batch_question (OtaApplication *self)
{
  g_return_val_if_fail (OTA_IS_APPLICATION (self), NULL);
  return self->batch_question;
}

guint
ota_application_get_n_batch_questions (OtaApplication *self)
{
  g_return_val_if_fail (OTA_IS_APPLICATION (self), 0);
  return self->n_batch_questions;
}
