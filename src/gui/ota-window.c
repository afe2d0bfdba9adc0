/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-window.h"
#include "ota-i18n.h"

#include "ota-gui.h"

#include <string.h>

#include "ota-advice.h"
#include "ota-error.h"
#include "ota-log-model.h"
#include "ota-network-list.h"
#include "ota-result-view.h"
#include "ota-text.h"
#include "ota-window-private.h"

typedef enum {
  FILE_NONE,
  FILE_CHECKING,
  FILE_VALID,
  FILE_INVALID,
} FileState;

struct _OtaWindow {
  GtkApplicationWindow parent_instance;

  /* template children */
  GtkWidget *header_bar;
  GtkWidget *recovery_bar;
  GtkWidget *demo_bar;
  GtkWidget *demo_firmware_button;
  GtkWidget *leave_demo_button;
  GtkWidget *result_bar;
  GtkWidget *result_view;
  GtkWidget *file_button;
  GtkWidget *file_detail_label;
  GtkWidget *try_demo_button;
  GtkWidget *stage_progress_bar;
  GtkWidget *save_log_button;
  GtkWidget *file_name_label;
  GtkWidget *file_status_image;
  GtkWidget *file_status_label;
  GtkWidget *file_version_label;
  GtkWidget *file_size_label;
  GtkWidget *file_chip_label;
  GtkWidget *file_sha_label;
  GtkWidget *device_status_image;
  GtkWidget *device_status_label;
  GtkWidget *device_stack;
  GtkWidget *device_product_label;
  GtkWidget *device_version_label;
  GtkWidget *device_method_label;
  GtkWidget *device_state_label;
  GtkWidget *device_uuid_label;
  GtkWidget *absent_hint_label;
  GtkWidget *network_list;
  GtkWidget *advanced_expander;
  GtkWidget *host_entry;
  GtkWidget *patterns_entry;
  GtkWidget *password_entry; /* never shown, never logged */
  GtkWidget *ctp_spin;
  GtkWidget *http_spin;
  GtkWidget *ota_spin;
  GtkWidget *stage_label;
  GtkWidget *progress_bar;
  GtkWidget *progress_detail_label;
  GtkWidget *activity_label;
  GtkWidget *log_expander;
  GtkWidget *log_view;
  GtkWidget *cancel_button;
  GtkWidget *flash_button;
  GtkWidget *batch_view;

  /* state */
  FileState file_state;
  gchar *file_path;
  OtaUfw *ufw;            /* the valid file's container, or NULL */
  OtaDescription *device; /* the last description read, or NULL */
  gboolean flashing;
  gboolean batch; /* "Flash Every Device" runs: busy between the units too */
  gboolean demo_starting;
  gboolean quiet;                     /* filling the address fields: no "address-changed" */
  gboolean writing_shown;             /* stage two's "writing" activity was shown */
  OtaLogModel *log;                   /* this upgrade's log (JSON Lines and readable) */
  GtkFileChooserNative *chooser;      /* open, while shown */
  GtkFileChooserNative *save_chooser; /* save the log, while shown */

  /* the last result, shown until another device (or the same one gone and
   * back) is in front of the technician */
  gboolean result_shown;
  OtaResultKind result_kind;
  gchar *result_uuid;         /* the device the result is about */
  gboolean gone_since_result; /* nothing answered since it was shown */

  gboolean demo_mode;      /* the window looks at the built-in emulator */
  guint overall;           /* the whole upgrade, 0..100: never goes back in a run */
  gint64 last_event_us;    /* monotonic time of the engine's last event */
  guint stall_ms;          /* no event for this long: "waiting for the device" */
  guint tick_id;           /* while flashing */
  gboolean stalled;        /* "waiting for the device" is shown */
  gchar *stage_one_sha256; /* the file stage one sent, when it was seen */
  GtkWidget *confirm_dialog;
  gboolean close_confirmed; /* quitting with a device in its updater was confirmed */
  gboolean large;           /* a large screen: bigger result and progress */
};

typedef enum {
  CONFIRM_FLASH,
  CONFIRM_CLOSE,
} ConfirmAction;

#define STALL_MS 3000
#define TICK_MS 250

enum {
  SIGNAL_FILE_CHOSEN,
  SIGNAL_ADDRESS_CHANGED,
  SIGNAL_FLASH_REQUESTED,
  SIGNAL_CANCEL_REQUESTED,
  SIGNAL_DEMO_REQUESTED,
  SIGNAL_DEMO_FIRMWARE_REQUESTED,
  SIGNAL_LEAVE_DEMO_REQUESTED,
  SIGNAL_BATCH_REQUESTED,
  SIGNAL_WIFI_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OtaWindow, ota_window, GTK_TYPE_APPLICATION_WINDOW)

#define DEMO_BAR_RESPONSE_MAKE 1
#define DEMO_BAR_RESPONSE_LEAVE 2

/* ---- helpers ------------------------------------------------------------------- */

static const gchar *
or_dash (const gchar *s)
{
  return s != NULL && *s != '\0' ? s : "–";
}

/* "the device does not answer…" → "The device does not answer…" */
static gchar *
sentence (const gchar *text)
{
  g_autofree gchar *first = NULL;
  const gchar *rest;

  if (text == NULL || *text == '\0')
    return g_strdup ("");
  rest = g_utf8_next_char (text);
  first = g_utf8_strup (text, rest - text);
  return g_strconcat (first, rest, NULL);
}

static gchar *
format_duration (gint64 s)
{
  if (s < 0)
    return g_strdup ("–");
  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60),
                            (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

static void
set_simple_action_enabled (OtaWindow *self, const gchar *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static gboolean
device_is_usable (OtaWindow *self)
{
  return self->device != NULL && ota_description_is_single_backup (self->device);
}

static gboolean
device_needs_stage_two (OtaWindow *self)
{
  return device_is_usable (self) && ota_description_needs_stage_two (self->device);
}

/* The device already runs the file's version: flashing it again is a
 * reinstall, asked for, never the default. */
static gboolean
device_is_up_to_date (OtaWindow *self)
{
  const gchar *file_version = self->ufw != NULL ? ota_ufw_get_version (self->ufw) : NULL;

  return device_is_usable (self) && !device_needs_stage_two (self) && file_version != NULL
         && g_strcmp0 (file_version, self->device->firmware_version) == 0;
}

/* Flash joins the device's Wi-Fi itself (not for the demo: it is on this PC). */
static gboolean
wifi_joins (OtaWindow *self)
{
  return !self->demo_mode && ota_network_list_get_auto_join (OTA_NETWORK_LIST (self->network_list));
}

/* Nothing answers yet, but Flash can join a device network in range. */
static gboolean
wifi_target_ready (OtaWindow *self)
{
  OtaNetworkList *list = OTA_NETWORK_LIST (self->network_list);

  return self->device == NULL && wifi_joins (self)
         && (ota_network_list_get_selected (list) != NULL
             || ota_network_list_get_networks (list)->len > 0);
}

/* The network Flash would join, for the words: the chosen one, or the first
 * of the list ("Automatic"). */
static const gchar *
wifi_target_name (OtaWindow *self)
{
  OtaNetworkList *list = OTA_NETWORK_LIST (self->network_list);
  GPtrArray *networks = ota_network_list_get_networks (list);

  if (ota_network_list_get_selected (list) != NULL)
    return ota_network_list_get_selected (list);
  return networks->len > 0 ? ((const OtaWifiNetwork *) g_ptr_array_index (networks, 0))->ssid
                           : NULL;
}

/* "48 % — otaflash", "Updated — otaflash": the taskbar tells too. */
static void
set_title (OtaWindow *self, const gchar *what)
{
  g_autofree gchar *title = what != NULL ? g_strdup_printf (_ ("%s — otaflash"), what) : NULL;

  gtk_window_set_title (GTK_WINDOW (self), title != NULL ? title : "otaflash");
  gtk_header_bar_set_title (GTK_HEADER_BAR (self->header_bar), title != NULL ? title : "otaflash");
}

static gboolean
result_is_failure (OtaWindow *self)
{
  return self->result_shown
         && (self->result_kind == OTA_RESULT_KIND_ERROR
             || self->result_kind == OTA_RESULT_KIND_WARNING);
}

/* What to do next while nothing runs. */
static gchar *
idle_hint (OtaWindow *self)
{
  const gchar *file_version = self->ufw != NULL ? ota_ufw_get_version (self->ufw) : NULL;

  if (self->demo_starting)
    return g_strdup (_ ("Starting the built-in device emulator…"));
  if (self->file_state == FILE_NONE)
    return g_strdup (
        _ ("Choose the firmware file (.ufw): press Ctrl+O or drop it onto this window."));
  if (self->file_state == FILE_CHECKING)
    return g_strdup (_ ("Checking the firmware file…"));
  if (self->file_state == FILE_INVALID)
    return g_strdup (_ ("Choose another firmware file; this one cannot be used."));
  if (wifi_target_ready (self))
    return g_strdup_printf (_ ("Ready: press %s. This PC joins the device's Wi-Fi network %s, "
                               "then goes back to its own network at the end."),
                            ota_network_list_get_recovery (OTA_NETWORK_LIST (self->network_list))
                                ? _ ("Recover")
                                : _ ("Flash"),
                            wifi_target_name (self));
  if (self->device == NULL && wifi_joins (self))
    return g_strdup (_ ("Switch the device on: its Wi-Fi network appears in the list (Refresh)."));
  if (self->device == NULL)
    return g_strdup (_ ("Join the device's Wi-Fi network; the device appears here by itself."));
  if (!device_is_usable (self))
    return g_strdup (_ ("This device cannot be upgraded with the single-backup network upgrade."));
  if (device_needs_stage_two (self))
    return g_strdup (_ ("Press Recover to finish the interrupted upgrade with this file."));
  if (device_is_up_to_date (self))
    return g_strdup_printf (_ ("The device is up to date: it already runs firmware %s, the version "
                               "of this file. Connect the next device, or choose another file."),
                            file_version);
  return g_strdup_printf (_ ("Ready: press Flash to upgrade the device from firmware %s to %s."),
                          or_dash (self->device->firmware_version), or_dash (file_version));
}

/* Everything whose sensitivity or label follows from the state. */
static void
update_actions (OtaWindow *self)
{
  gboolean by_wifi = wifi_target_ready (self);
  gboolean recover
      = device_needs_stage_two (self)
        || (by_wifi && ota_network_list_get_recovery (OTA_NETWORK_LIST (self->network_list)));
  /* a batch is busy between its units too */
  gboolean busy = self->flashing || self->batch;
  gboolean can_flash
      = self->file_state == FILE_VALID && (device_is_usable (self) || by_wifi) && !busy;
  gboolean up_to_date = device_is_up_to_date (self);
  GtkStyleContext *flash_style = gtk_widget_get_style_context (self->flash_button);
  const gchar *why = NULL;

  /* while flashing the device passes through its updater: keep the label */
  if (!self->flashing)
    gtk_button_set_label (GTK_BUTTON (self->flash_button), recover ? _ ("_Recover")
                                                           : up_to_date
                                                               ? _ ("Up to Date — _Reinstall…")
                                                               : _ ("_Flash"));
  if (can_flash && !up_to_date)
    gtk_style_context_add_class (flash_style, "suggested-action");
  else
    gtk_style_context_remove_class (flash_style, "suggested-action");
  gtk_widget_set_sensitive (self->flash_button, can_flash);
  if (self->batch)
    why = _ ("Every device is being flashed");
  else if (self->flashing)
    why = _ ("An upgrade is running");
  else if (self->file_state != FILE_VALID)
    why = _ ("Choose a valid firmware file first");
  else if (by_wifi)
    why = recover ? _ ("Join the device's Wi-Fi network and finish the interrupted upgrade")
                  : _ ("Join the device's Wi-Fi network and upgrade the device, in two stages");
  else if (self->device == NULL)
    why = _ ("No device answers at the address");
  else if (!device_is_usable (self))
    why = _ ("This device does not use the single-backup network upgrade");
  else if (recover)
    why = _ ("Finish the interrupted upgrade: the second stage, with this file");
  else if (up_to_date)
    why = _ ("The device already runs this version; flash it again (asks first)");
  else
    why = _ ("Upgrade the device with this file, in two stages");
  gtk_widget_set_tooltip_text (self->flash_button, why);

  gtk_widget_set_sensitive (self->cancel_button, busy);
  gtk_widget_set_sensitive (self->file_button, !busy);
  ota_network_list_set_busy (OTA_NETWORK_LIST (self->network_list), self->flashing);
  /* "join it by hand" only when this PC does not join it by itself */
  gtk_label_set_text (GTK_LABEL (self->absent_hint_label),
                      wifi_joins (self)
                          ? _ ("Flash joins the device's Wi-Fi network below by itself.")
                          : _ ("Join the device's Wi-Fi network, then wait a moment: "
                               "this window looks for the device every 3 seconds."));
  gtk_widget_set_sensitive (gtk_bin_get_child (GTK_BIN (self->advanced_expander)), !busy);
  set_simple_action_enabled (self, "open", !busy);
  set_simple_action_enabled (self, "try-demo", !busy && !self->demo_starting);
  /* a batch waits for its devices: it needs a file, not a device now */
  set_simple_action_enabled (self, "batch", self->file_state == FILE_VALID && !busy);
  set_simple_action_enabled (self, "save-log", ota_log_model_get_lines (self->log)->len > 0);
  gtk_widget_set_visible (self->recovery_bar, recover && !busy);
  /* a habitual Enter must not reflash a device that is done */
  if (can_flash && !up_to_date)
    gtk_widget_grab_default (self->flash_button);
  else if (gtk_window_get_default_widget (GTK_WINDOW (self)) == self->flash_button)
    gtk_window_set_default (GTK_WINDOW (self), NULL);
  /* the demo is a way to learn the window, not an answer to a failure */
  gtk_widget_set_visible (self->try_demo_button,
                          self->device == NULL && !result_is_failure (self) && !self->demo_mode);
  gtk_widget_set_sensitive (self->leave_demo_button, !busy);
  if (!busy)
    {
      /* it names the device's and the file's versions */
      g_autofree gchar *hint = idle_hint (self);
      g_autofree gchar *safe = ota_text_sanitize (hint, -1);
      gtk_label_set_text (GTK_LABEL (self->activity_label), safe);
    }
}

/* ---- the log -------------------------------------------------------------------- */

static void
log_changed_cb (OtaLogModel *log, OtaWindow *self)
{
  GtkTextBuffer *buffer = ota_log_model_get_buffer (log);
  GtkTextIter end;

  /* follow the end */
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_place_cursor (buffer, &end);
  gtk_text_view_scroll_mark_onscreen (GTK_TEXT_VIEW (self->log_view),
                                      gtk_text_buffer_get_insert (buffer));
  set_simple_action_enabled (self, "save-log", ota_log_model_get_lines (log)->len > 0);
}

/* A label showing text from outside (the device, the file): nothing in it
 * may pass for our own words or reorder the line. */
static void
set_outside_text (GtkWidget *label, const gchar *text)
{
  g_autofree gchar *safe = ota_text_sanitize (or_dash (text), -1);
  gtk_label_set_text (GTK_LABEL (label), safe);
}

/* ---- the firmware file --------------------------------------------------------- */

static void
set_file_details (OtaWindow *self, OtaUfw *ufw)
{
  if (ufw == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->file_version_label), "–");
      gtk_label_set_text (GTK_LABEL (self->file_size_label), "–");
      gtk_label_set_text (GTK_LABEL (self->file_chip_label), "–");
      gtk_label_set_text (GTK_LABEL (self->file_sha_label), "–");
      gtk_widget_set_tooltip_text (self->file_sha_label, NULL);
      return;
    }
  {
    g_autofree gchar *size = g_format_size (ota_ufw_get_size (ufw));
    g_autofree gchar *sha16 = g_strndup (ota_ufw_get_sha256 (ufw), 8);
    /* size, chip and the hash's start on one line: the window fits 800x600 */
    g_autofree gchar *size_text
        = g_strdup_printf (_ ("%s  ·  %s  ·  SHA-256 %s…"), size, ota_ufw_get_chip (ufw), sha16);
    g_autofree gchar *sha = g_strndup (ota_ufw_get_sha256 (ufw), 16);
    g_autofree gchar *sha_text = g_strconcat (sha, "…", NULL);

    set_outside_text (self->file_version_label, ota_ufw_get_version (ufw) != NULL
                                                    ? ota_ufw_get_version (ufw)
                                                    : _ ("unknown (no script.ver)"));
    gtk_label_set_text (GTK_LABEL (self->file_size_label), size_text);
    gtk_widget_set_tooltip_text (self->file_size_label, ota_ufw_get_sha256 (ufw));
    gtk_label_set_text (GTK_LABEL (self->file_chip_label), ota_ufw_get_chip (ufw));
    gtk_label_set_text (GTK_LABEL (self->file_sha_label), sha_text);
    gtk_widget_set_tooltip_text (self->file_sha_label, ota_ufw_get_sha256 (ufw));
  }
}

static void
set_file_name (OtaWindow *self, const gchar *path)
{
  g_autofree gchar *base_name = path != NULL ? g_filename_display_basename (path) : NULL;
  g_autofree gchar *full_name = path != NULL ? g_filename_display_name (path) : NULL;
  /* a file name may hold control characters too */
  g_autofree gchar *base = ota_text_sanitize (base_name, -1);
  g_autofree gchar *full = ota_text_sanitize (full_name, -1);

  if (path != self->file_path)
    {
      g_free (self->file_path);
      self->file_path = g_strdup (path);
    }
  gtk_label_set_text (GTK_LABEL (self->file_name_label),
                      base != NULL ? base : _ ("Choose a .ufw file…"));
  gtk_widget_set_tooltip_text (self->file_button,
                               full != NULL ? full
                                            : _ ("Choose the .ufw firmware file (Ctrl+O), or drop "
                                                 "one onto this window"));
}

void
ota_window_set_file_checking (OtaWindow *self, const gchar *path)
{
  g_return_if_fail (OTA_IS_WINDOW (self));

  self->file_state = FILE_CHECKING;
  g_clear_object (&self->ufw);
  set_file_name (self, path);
  set_file_details (self, NULL);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->file_status_image), "content-loading-symbolic",
                                GTK_ICON_SIZE_BUTTON);
  gtk_label_set_text (GTK_LABEL (self->file_status_label), _ ("Checking the file…"));
  gtk_widget_hide (self->file_detail_label);
  update_actions (self);
}

void
ota_window_set_file_result (OtaWindow *self, const gchar *path, OtaUfw *ufw, const GError *error)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  g_return_if_fail ((ufw == NULL) != (error == NULL));

  set_file_name (self, path);
  set_file_details (self, ufw);
  g_set_object (&self->ufw, ufw);
  if (ufw != NULL)
    {
      self->file_state = FILE_VALID;
      gtk_image_set_from_icon_name (GTK_IMAGE (self->file_status_image), "emblem-ok-symbolic",
                                    GTK_ICON_SIZE_BUTTON);
      gtk_label_set_text (GTK_LABEL (self->file_status_label),
                          _ ("Valid firmware: every checksum is right and the updater is in it."));
      gtk_widget_hide (self->file_detail_label);
    }
  else
    {
      /* the problem in plain words first; the checksums for whoever asks */
      g_autoptr (OtaAdvice) advice = ota_advice_new (error, OTA_DEVICE_STATE_UNCHANGED, NULL, NULL);

      self->file_state = FILE_INVALID;
      gtk_image_set_from_icon_name (GTK_IMAGE (self->file_status_image), "dialog-error-symbolic",
                                    GTK_ICON_SIZE_BUTTON);
      gtk_label_set_text (GTK_LABEL (self->file_status_label),
                          advice->summary != NULL ? advice->summary : advice->headline);
      set_outside_text (self->file_detail_label, error->message);
      gtk_widget_show (self->file_detail_label);
    }
  atk_object_set_name (gtk_widget_get_accessible (self->file_status_image),
                       ufw != NULL ? _ ("Valid file") : _ ("File cannot be used"));
  update_actions (self);
}

/* ---- the device ----------------------------------------------------------------- */

static void reset_progress (OtaWindow *self);

/* Back to "Ready": no result, no stage, an empty bar. */
static void
clear_result (OtaWindow *self)
{
  self->result_shown = FALSE;
  self->gone_since_result = FALSE;
  g_clear_pointer (&self->result_uuid, g_free);
  gtk_widget_hide (self->result_bar);
  gtk_label_set_text (GTK_LABEL (self->stage_label), _ ("Ready"));
  self->overall = 0;
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), 0.0);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress_bar), " ");
  reset_progress (self);
  set_title (self, NULL);
}

void
ota_window_set_device (OtaWindow *self, const OtaDescription *desc, const GError *error)
{
  const gchar *host;

  g_return_if_fail (OTA_IS_WINDOW (self));

  host = ota_window_get_host (self);
  g_clear_pointer (&self->device, ota_description_free);
  if (self->result_shown && !self->flashing)
    {
      /* another unit (or the same one gone and back): the last result is
       * not about it */
      if (desc == NULL)
        self->gone_since_result = TRUE;
      else if (self->gone_since_result || g_strcmp0 (desc->uuid, self->result_uuid) != 0)
        clear_result (self);
    }
  if (desc != NULL)
    {
      g_autofree gchar *status = NULL;
      const gchar *state;

      self->device = ota_description_copy (desc);
      if (self->demo_mode)
        status = g_strdup_printf (_ ("Demo device (not a real device) at %s"), host);
      else
        status = g_strdup_printf (_ ("Connected to the device at %s"), host);
      gtk_label_set_text (GTK_LABEL (self->device_status_label), status);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->device_status_image),
                                    "network-wireless-signal-excellent-symbolic",
                                    GTK_ICON_SIZE_BUTTON);
      set_outside_text (self->device_product_label, desc->product_type);
      set_outside_text (self->device_version_label, desc->firmware_version);
      gtk_label_set_text (GTK_LABEL (self->device_method_label),
                          ota_description_is_single_backup (desc)
                              ? _ ("Single backup (this method)")
                              : _ ("Dual backup: not supported by this upgrade method"));
      if (!ota_description_is_single_backup (desc))
        state = _ ("Dual backup: not supported by this upgrade method");
      else if (ota_description_needs_stage_two (desc))
        state = _ ("In its updater, waiting for the second stage");
      else if (g_strcmp0 (desc->ota_step, "0") == 0)
        state = _ ("Normal firmware running, ready");
      else
        state = _ ("Unknown (ota_step is neither 0 nor 1)");
      gtk_label_set_text (GTK_LABEL (self->device_state_label), state);
      set_outside_text (self->device_uuid_label, desc->uuid);
      gtk_stack_set_visible_child_name (GTK_STACK (self->device_stack), "details");
    }
  else if (error != NULL)
    {
      g_autofree gchar *status = NULL;

      if (g_error_matches (error, OTA_ERROR, OTA_ERROR_NOT_REACHABLE)
          || g_error_matches (error, OTA_ERROR, OTA_ERROR_TIMED_OUT))
        status = g_strdup_printf (_ ("Nothing answers at %s."), host);
      else if (g_error_matches (error, OTA_ERROR, OTA_ERROR_NOT_SUPPORTED))
        status = g_strdup_printf (_ ("The device at %s has no network upgrade (%s)."), host,
                                  error->message);
      else
        status = g_strdup_printf (_ ("Something answers at %s, but not like the device: %s."), host,
                                  error->message);
      gtk_label_set_text (GTK_LABEL (self->device_status_label), status);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->device_status_image),
                                    "network-wireless-offline-symbolic", GTK_ICON_SIZE_BUTTON);
      gtk_stack_set_visible_child_name (GTK_STACK (self->device_stack), "absent");
    }
  else
    {
      g_autofree gchar *status = g_strdup_printf (_ ("Looking for the device at %s…"), host);

      gtk_label_set_text (GTK_LABEL (self->device_status_label), status);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->device_status_image),
                                    "network-wireless-acquiring-symbolic", GTK_ICON_SIZE_BUTTON);
      gtk_stack_set_visible_child_name (GTK_STACK (self->device_stack), "absent");
    }
  update_actions (self);
}

/* ---- address ---------------------------------------------------------------------- */

const gchar *
ota_window_get_host (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), NULL);
  return gtk_entry_get_text (GTK_ENTRY (self->host_entry));
}

void
ota_window_get_ports (OtaWindow *self, guint16 *ctp, guint16 *http, guint16 *ota)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  if (ctp != NULL)
    *ctp = (guint16) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->ctp_spin));
  if (http != NULL)
    *http = (guint16) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->http_spin));
  if (ota != NULL)
    *ota = (guint16) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->ota_spin));
}

void
ota_window_set_address (OtaWindow *self, const gchar *host, guint16 ctp, guint16 http, guint16 ota)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  g_return_if_fail (host != NULL);

  self->quiet = TRUE;
  gtk_entry_set_text (GTK_ENTRY (self->host_entry), host);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->ctp_spin), ctp);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->http_spin), http);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->ota_spin), ota);
  self->quiet = FALSE;
}

static void
address_changed_cb (GtkWidget *widget, OtaWindow *self)
{
  if (self->quiet)
    return;
  g_signal_emit (self, signals[SIGNAL_ADDRESS_CHANGED], 0);
}

/* ---- the devices' Wi-Fi ------------------------------------------------------------ */

const gchar *
ota_window_get_wifi_patterns (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), NULL);
  return gtk_entry_get_text (GTK_ENTRY (self->patterns_entry));
}

const gchar *
ota_window_get_wifi_password (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), NULL);
  return gtk_entry_get_text (GTK_ENTRY (self->password_entry));
}

void
ota_window_set_wifi (OtaWindow *self, const gchar *patterns, const gchar *password)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  self->quiet = TRUE;
  gtk_entry_set_text (GTK_ENTRY (self->patterns_entry), patterns != NULL ? patterns : "");
  gtk_entry_set_text (GTK_ENTRY (self->password_entry), password != NULL ? password : "");
  self->quiet = FALSE;
}

static void
wifi_changed_cb (GtkWidget *widget, OtaWindow *self)
{
  if (self->quiet)
    return;
  g_signal_emit (self, signals[SIGNAL_WIFI_CHANGED], 0);
}

/* ---- the upgrade ------------------------------------------------------------------ */

gboolean
ota_window_is_flashing (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), FALSE);
  return self->flashing;
}

/* The current stage's bar and numbers; the overall bar is left alone, so
 * that it never jumps back between the stages. */
static void
reset_progress (OtaWindow *self)
{
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->stage_progress_bar), 0.0);
  gtk_label_set_text (GTK_LABEL (self->progress_detail_label), " ");
}

static void
show_overall (OtaWindow *self, guint overall)
{
  g_autofree gchar *percent = NULL;

  overall = MIN (overall, 100u);
  if (overall < self->overall)
    return;
  self->overall = overall;
  percent = g_strdup_printf ("%u %%", overall);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), overall / 100.0);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress_bar), percent);
  if (self->flashing)
    set_title (self, percent);
}

/* Nothing from the engine for a while: say so, with the seconds, instead of
 * a speed and a time left that froze when the device went quiet. */
static gboolean
tick_cb (gpointer user_data)
{
  OtaWindow *self = OTA_WINDOW (user_data);
  gint64 quiet_ms = (g_get_monotonic_time () - self->last_event_us) / 1000;

  if (self->flashing && quiet_ms >= (gint64) self->stall_ms)
    {
      g_autofree gchar *text
          = g_strdup_printf (_ ("Waiting for the device (%d s)…"), (int) (quiet_ms / 1000));
      g_autofree gchar *status
          = g_strdup_printf (_ ("No word from the device at %s for %d s"),
                             ota_window_get_host (self), (int) (quiet_ms / 1000));

      self->stalled = TRUE;
      gtk_label_set_text (GTK_LABEL (self->progress_detail_label), text);
      gtk_label_set_text (GTK_LABEL (self->device_status_label), status);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->device_status_image),
                                    "network-wireless-acquiring-symbolic", GTK_ICON_SIZE_BUTTON);
    }
  return G_SOURCE_CONTINUE;
}

static void
stop_ticking (OtaWindow *self)
{
  if (self->tick_id != 0)
    g_source_remove (self->tick_id);
  self->tick_id = 0;
  self->stalled = FALSE;
}

void
ota_window_flash_started (OtaWindow *self)
{
  g_autofree gchar *status = NULL;

  g_return_if_fail (OTA_IS_WINDOW (self));

  clear_result (self);
  self->flashing = TRUE;
  self->writing_shown = FALSE;
  gtk_widget_hide (self->demo_firmware_button);
  gtk_label_set_text (
      GTK_LABEL (self->stage_label),
      device_needs_stage_two (self)
              || (wifi_target_ready (self)
                  && ota_network_list_get_recovery (OTA_NETWORK_LIST (self->network_list)))
          ? _ ("Recovering: stage 2 of 2")
          : _ ("Starting"));
  gtk_label_set_text (GTK_LABEL (self->activity_label),
                      wifi_joins (self) ? _ ("Joining the device's Wi-Fi network…")
                                        : _ ("Reading the device description…"));
  show_overall (self, 0);
  status = g_strdup_printf (_ ("Upgrading the device at %s"), ota_window_get_host (self));
  gtk_label_set_text (GTK_LABEL (self->device_status_label), status);

  self->last_event_us = g_get_monotonic_time ();
  stop_ticking (self);
  self->tick_id = g_timeout_add (TICK_MS, tick_cb, self);

  /* the file first, as otaflash --cli --json begins */
  ota_log_model_clear (self->log);
  ota_log_model_add_file (self->log, self->file_path, self->ufw);
  update_actions (self);
}

static void
show_progress (OtaWindow *self, const OtaEvent *ev)
{
  g_autofree gchar *detail = NULL;

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->stage_progress_bar),
                                 CLAMP (ev->percent, 0u, 100u) / 100.0);
  if (ev->total == 0)
    detail = g_strdup (_ ("Waiting for the device to say how much it will write…"));
  else
    {
      g_autofree gchar *done = g_format_size (ev->bytes);
      g_autofree gchar *total = g_format_size (ev->total);
      g_autofree gchar *rate = ev->rate > 0 ? g_format_size ((guint64) ev->rate) : NULL;

      if (rate != NULL && ev->eta >= 0)
        {
          g_autofree gchar *eta = format_duration (ev->eta);
          detail = g_strdup_printf (_ ("Stage %u: %u %%  ·  %s of %s  ·  %s/s  ·  %s left"),
                                    ev->stage, ev->percent, done, total, rate, eta);
        }
      else
        detail = g_strdup_printf (_ ("Stage %u: %u %%  ·  %s of %s"), ev->stage, ev->percent, done,
                                  total);
    }
  gtk_label_set_text (GTK_LABEL (self->progress_detail_label), detail);
  if (ev->stage == 2 && ev->total > 0 && !self->writing_shown)
    {
      self->writing_shown = TRUE;
      gtk_label_set_text (GTK_LABEL (self->activity_label),
                          _ ("The updater is writing the new firmware. Keep the device powered and "
                             "in range."));
    }
}

/* The engine's Wi-Fi steps, in a technician's words (NULL: the message). */
static gchar *
wifi_activity (const OtaEvent *ev)
{
  const gchar *network = ev->network;

  if (ev->level != OTA_LOG_LEVEL_INFO)
    return NULL;
  switch (ev->wifi_step)
    {
    case OTA_WIFI_STEP_JOIN:
      return network != NULL ? g_strdup_printf (_ ("Joining %s…"), network) : NULL;
    case OTA_WIFI_STEP_WAIT:
      return network != NULL ? g_strdup_printf (_ ("Waiting for %s to come back…"), network)
                             : g_strdup (_ ("Waiting for the device's network to come back…"));
    case OTA_WIFI_STEP_JOINED:
      return network != NULL ? g_strdup_printf (_ ("On %s"), network) : NULL;
    case OTA_WIFI_STEP_RESTORE:
      return network != NULL ? g_strdup_printf (_ ("Putting this PC back on %s…"), network) : NULL;
    case OTA_WIFI_STEP_RESTORED:
      return network != NULL ? g_strdup_printf (_ ("Back on %s"), network) : NULL;
    case OTA_WIFI_STEP_REMEMBER:
    case OTA_WIFI_STEP_NONE:
    default:
      return NULL;
    }
}

void
ota_window_show_event (OtaWindow *self, const OtaEvent *ev)
{
  const gchar *hint;

  g_return_if_fail (OTA_IS_WINDOW (self));
  g_return_if_fail (ev != NULL);

  ota_log_model_add_event (self->log, ev);
  self->last_event_us = g_get_monotonic_time ();
  if (self->stalled)
    {
      g_autofree gchar *status
          = g_strdup_printf (_ ("Upgrading the device at %s"), ota_window_get_host (self));

      self->stalled = FALSE;
      gtk_label_set_text (GTK_LABEL (self->progress_detail_label), " ");
      gtk_label_set_text (GTK_LABEL (self->device_status_label), status);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->device_status_image),
                                    "network-wireless-signal-excellent-symbolic",
                                    GTK_ICON_SIZE_BUTTON);
    }
  if (self->flashing)
    show_overall (self, ev->overall);
  if (self->batch)
    ota_batch_view_show_event (OTA_BATCH_VIEW (self->batch_view), ev);
  hint = ota_advice_event_hint (ev);
  switch (ev->kind)
    {
    case OTA_EVENT_DEVICE:
      ota_window_set_device (self, ev->device, NULL);
      break;
    case OTA_EVENT_STAGE:
      if (ev->state == OTA_STAGE_STATE_START)
        {
          reset_progress (self);
          gtk_label_set_text (GTK_LABEL (self->stage_label),
                              ev->stage == 1
                                  ? _ ("Stage 1 of 2: sending the updater to the device")
                                  : _ ("Stage 2 of 2: sending the firmware to the updater"));
          gtk_label_set_text (GTK_LABEL (self->activity_label), hint);
        }
      else if (ev->outcome == OTA_STAGE_OUTCOME_OK)
        {
          g_autofree gchar *text = g_strdup_printf (_ ("Stage %u of 2 done"), ev->stage);

          gtk_label_set_text (GTK_LABEL (self->stage_label), text);
          gtk_label_set_text (GTK_LABEL (self->progress_detail_label), " ");
          /* Recover later warns if it is given another file */
          if (ev->stage == 1 && self->ufw != NULL)
            {
              g_free (self->stage_one_sha256);
              self->stage_one_sha256 = g_strdup (ota_ufw_get_sha256 (self->ufw));
            }
        }
      else
        {
          g_autofree gchar *text = ev->outcome == OTA_STAGE_OUTCOME_CANCELLED
                                       ? g_strdup_printf (_ ("Stage %u of 2 cancelled"), ev->stage)
                                       : g_strdup_printf (_ ("Stage %u of 2 failed"), ev->stage);
          gtk_label_set_text (GTK_LABEL (self->stage_label), text);
        }
      break;
    case OTA_EVENT_PROGRESS:
      show_progress (self, ev);
      break;
    case OTA_EVENT_LOG:
    default:
      if (ev->code == OTA_EVENT_CODE_WIFI)
        {
          g_autofree gchar *text = wifi_activity (ev);

          set_outside_text (self->activity_label, text != NULL ? text : ev->message);
        }
      else if (hint != NULL)
        gtk_label_set_text (GTK_LABEL (self->activity_label), hint);
      else
        set_outside_text (self->activity_label, ota_event_get_text (ev));
      break;
    }
}

void
ota_window_cancel_dropped (OtaWindow *self)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  /* the cancel was dropped: it can be asked for again, confirmed */
  if (self->flashing)
    gtk_widget_set_sensitive (self->cancel_button, TRUE);
}

void
ota_window_show_cancelling (OtaWindow *self)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  gtk_label_set_text (GTK_LABEL (self->activity_label),
                      _ ("Cancelling: the device is told to stop at its next request…"));
  /* a speed and a time left mean nothing once it is stopping */
  gtk_label_set_text (GTK_LABEL (self->progress_detail_label), " ");
  gtk_widget_set_sensitive (self->cancel_button, FALSE);
}

static void
show_result (OtaWindow *self, OtaResultKind kind, const gchar *headline, const gchar *body,
             const gchar *next_step, const gchar *detail)
{
  GtkStyleContext *context = gtk_widget_get_style_context (self->result_bar);
  g_autofree gchar *old_class
      = g_strconcat ("ota-", ota_result_kind_to_string (self->result_kind), NULL);
  g_autofree gchar *new_class = g_strconcat ("ota-", ota_result_kind_to_string (kind), NULL);
  g_autofree gchar *safe = ota_text_sanitize (body, -1);
  g_autofree gchar *text = sentence (safe);

  gtk_style_context_remove_class (context, old_class);
  gtk_style_context_add_class (context, new_class);
  gtk_info_bar_set_message_type (GTK_INFO_BAR (self->result_bar),
                                 ota_result_kind_to_message_type (kind));
  ota_result_view_show (OTA_RESULT_VIEW (self->result_view), kind, headline,
                        *text != '\0' ? text : NULL, next_step, detail);
  self->result_kind = kind;
  self->result_shown = TRUE;
  self->gone_since_result = FALSE;
  g_free (self->result_uuid);
  self->result_uuid = self->device != NULL ? g_strdup (self->device->uuid) : NULL;
  gtk_widget_show (self->result_bar);
  update_actions (self);
}

/* The result says what the activity line would: one of them at a time. */
static void
result_bar_visible_cb (GtkWidget *bar, GParamSpec *pspec, OtaWindow *self)
{
  gtk_widget_set_visible (self->activity_label, !gtk_widget_get_visible (bar));
}

static OtaResultKind
result_kind_for (OtaOutcome outcome)
{
  switch (outcome)
    {
    case OTA_OUTCOME_SUCCESS:
      return OTA_RESULT_KIND_SUCCESS;
    case OTA_OUTCOME_NOTHING_TO_DO:
      return OTA_RESULT_KIND_UNCHANGED;
    case OTA_OUTCOME_CANCELLED:
      return OTA_RESULT_KIND_CANCELLED;
    case OTA_OUTCOME_NEEDS_RECOVERY:
    case OTA_OUTCOME_NO_REBOOT:
      return OTA_RESULT_KIND_WARNING;
    case OTA_OUTCOME_NOT_REACHABLE:
    case OTA_OUTCOME_INVALID_FILE:
    case OTA_OUTCOME_REFUSED:
    case OTA_OUTCOME_FAILED_UNCHANGED:
    case OTA_OUTCOME_WIFI:
    case OTA_OUTCOME_LAST:
    default:
      return OTA_RESULT_KIND_ERROR;
    }
}

void
ota_window_flash_finished (OtaWindow *self, const OtaAdvice *advice)
{
  OtaResultKind kind;

  g_return_if_fail (OTA_IS_WINDOW (self));
  g_return_if_fail (advice != NULL);

  self->flashing = FALSE;
  stop_ticking (self);
  kind = result_kind_for (advice->outcome);
  if (kind == OTA_RESULT_KIND_SUCCESS)
    show_overall (self, 100);
  /* the end: no speed, no time left */
  gtk_label_set_text (GTK_LABEL (self->progress_detail_label), " ");
  set_title (self, advice->headline);
  /* plain words first; the error's own facts behind "Details" */
  show_result (self, kind, advice->headline,
               advice->summary != NULL ? advice->summary : advice->message,
               advice->outcome == OTA_OUTCOME_SUCCESS ? NULL : advice->next_step,
               advice->summary != NULL ? advice->message : NULL);

  if (advice->outcome == OTA_OUTCOME_SUCCESS)
    {
      g_autofree gchar *activity = NULL;
      g_autofree gchar *version = ota_text_sanitize (or_dash (advice->firmware_version), -1);

      activity = g_strdup_printf (_ ("The device restarted and reports firmware %s."), version);
      gtk_label_set_text (GTK_LABEL (self->activity_label), activity);
    }
  else
    gtk_label_set_text (GTK_LABEL (self->activity_label), advice->outcome == OTA_OUTCOME_CANCELLED
                                                              ? _ ("Cancelled.")
                                                              : _ ("Stopped."));
  ota_log_model_add_result (self->log, advice);
}

OtaResultKind
ota_window_get_result_kind (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), OTA_RESULT_KIND_ERROR);
  return self->result_kind;
}

gboolean
ota_window_get_result_shown (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), FALSE);
  return self->result_shown;
}

/* ---- demo ------------------------------------------------------------------------- */

void
ota_window_set_demo_starting (OtaWindow *self, gboolean starting)
{
  g_return_if_fail (OTA_IS_WINDOW (self));

  self->demo_starting = starting;
  if (starting)
    {
      gtk_label_set_text (GTK_LABEL (self->device_status_label),
                          _ ("Starting the built-in device emulator…"));
      gtk_image_set_from_icon_name (GTK_IMAGE (self->device_status_image),
                                    "network-wireless-acquiring-symbolic", GTK_ICON_SIZE_BUTTON);
    }
  update_actions (self);
}

void
ota_window_offer_demo_firmware (OtaWindow *self, gboolean offer)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  gtk_widget_set_visible (self->demo_firmware_button, offer);
}

void
ota_window_set_demo_mode (OtaWindow *self, gboolean demo)
{
  g_return_if_fail (OTA_IS_WINDOW (self));

  self->demo_mode = demo;
  gtk_widget_set_visible (self->demo_bar, demo);
  if (!demo)
    gtk_widget_hide (self->demo_firmware_button);
  gtk_header_bar_set_subtitle (GTK_HEADER_BAR (self->header_bar),
                               demo ? _ ("Demo device — not a real device")
                                    : _ ("Firmware upgrade for JieLi AC79 Wi-Fi devices"));
  update_actions (self);
}

gboolean
ota_window_get_demo_mode (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), FALSE);
  return self->demo_mode;
}

void
ota_window_show_problem (OtaWindow *self, const gchar *message, const gchar *next_step)
{
  g_autofree gchar *safe = NULL;

  g_return_if_fail (OTA_IS_WINDOW (self));
  safe = ota_text_sanitize (message, -1);
  show_result (self, OTA_RESULT_KIND_ERROR, NULL, safe, next_step, NULL);
}

/* ---- template callbacks and actions ---------------------------------------------- */

static void
chooser_response_cb (GtkNativeDialog *dialog, gint response, OtaWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree gchar *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (dialog));

      if (path != NULL)
        g_signal_emit (self, signals[SIGNAL_FILE_CHOSEN], 0, path);
    }
  g_clear_object (&self->chooser);
}

static void
choose_file (OtaWindow *self)
{
  GtkFileFilter *filter;

  if (self->flashing || self->chooser != NULL)
    return;
  self->chooser
      = gtk_file_chooser_native_new (_ ("Choose the Firmware File"), GTK_WINDOW (self),
                                     GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Open"), _ ("_Cancel"));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("Firmware files (*.ufw)"));
  gtk_file_filter_add_pattern (filter, "*.ufw");
  gtk_file_filter_add_pattern (filter, "*.UFW");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("All files"));
  gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  if (self->file_path != NULL)
    {
      g_autofree gchar *dir = g_path_get_dirname (self->file_path);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), dir);
    }
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
file_button_clicked_cb (GtkButton *button, OtaWindow *self)
{
  choose_file (self);
}

static void
confirm_response_cb (GtkDialog *dialog, gint response, OtaWindow *self)
{
  ConfirmAction action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "action"));

  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response != GTK_RESPONSE_ACCEPT)
    return;
  switch (action)
    {
    case CONFIRM_FLASH:
      if (!self->flashing && self->file_state == FILE_VALID && device_is_usable (self))
        g_signal_emit (self, signals[SIGNAL_FLASH_REQUESTED], 0);
      break;
    case CONFIRM_CLOSE:
    default:
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
      break;
    }
}

/* A question before something a technician may regret; the safe answer is
 * the default, so a habitual Enter does nothing. */
static void
ask (OtaWindow *self, ConfirmAction action, const gchar *question, const gchar *explanation,
     const gchar *accept_label)
{
  GtkWidget *dialog;

  if (self->confirm_dialog != NULL)
    gtk_widget_destroy (self->confirm_dialog);
  dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", question);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", explanation);
  gtk_dialog_add_button (GTK_DIALOG (dialog), _ ("_Cancel"), GTK_RESPONSE_CANCEL);
  gtk_dialog_add_button (GTK_DIALOG (dialog), accept_label, GTK_RESPONSE_ACCEPT);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_object_set_data (G_OBJECT (dialog), "action", GINT_TO_POINTER (action));
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb), self);
  self->confirm_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->confirm_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
flash_button_clicked_cb (GtkButton *button, OtaWindow *self)
{
  if (self->flashing || self->file_state != FILE_VALID
      || (!device_is_usable (self) && !wifi_target_ready (self)))
    return;
  if (device_needs_stage_two (self) && self->stage_one_sha256 != NULL
      && g_strcmp0 (self->stage_one_sha256, ota_ufw_get_sha256 (self->ufw)) != 0)
    {
      ask (self, CONFIRM_FLASH, _ ("Recover with a different file?"),
           _ ("Stage one of this upgrade sent another firmware file than the one chosen now. "
              "Finish it with the same file unless you are sure this one is right."),
           _ ("_Recover Anyway"));
      return;
    }
  if (device_is_up_to_date (self))
    {
      g_autofree gchar *question = NULL;
      g_autofree gchar *version = ota_text_sanitize (ota_ufw_get_version (self->ufw), -1);

      question = g_strdup_printf (_ ("Reinstall firmware %s?"), version);
      ask (self, CONFIRM_FLASH, question,
           _ ("The device already runs this version. Flash it again only to repair it; both "
              "stages run again."),
           _ ("_Reinstall"));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_FLASH_REQUESTED], 0);
}

static void
cancel_button_clicked_cb (GtkButton *button, OtaWindow *self)
{
  if (self->flashing || self->batch)
    g_signal_emit (self, signals[SIGNAL_CANCEL_REQUESTED], 0);
}

static void
result_bar_response_cb (GtkInfoBar *bar, gint response, OtaWindow *self)
{
  gtk_widget_hide (GTK_WIDGET (bar));
}

static void
demo_bar_response_cb (GtkInfoBar *bar, gint response, OtaWindow *self)
{
  if (response == DEMO_BAR_RESPONSE_MAKE)
    {
      gtk_widget_hide (self->demo_firmware_button);
      g_signal_emit (self, signals[SIGNAL_DEMO_FIRMWARE_REQUESTED], 0);
    }
  else if (response == DEMO_BAR_RESPONSE_LEAVE && !self->flashing)
    g_signal_emit (self, signals[SIGNAL_LEAVE_DEMO_REQUESTED], 0);
}

static gboolean
delete_event_cb (GtkWidget *widget, GdkEvent *event, OtaWindow *self)
{
  if (!self->flashing && device_needs_stage_two (self) && !self->close_confirmed
      && !self->demo_mode)
    {
      ask (self, CONFIRM_CLOSE, _ ("Quit while the device waits in its updater?"),
           _ ("The device has not finished its upgrade: it stays in its updater until it is "
              "recovered. To finish, open otaflash again, choose the same firmware file and press "
              "Recover."),
           _ ("_Quit Anyway"));
      return GDK_EVENT_STOP;
    }
  if (!self->flashing)
    return GDK_EVENT_PROPAGATE;
  /* closing must not cut an upgrade short silently: it is a cancel, with
   * the point-of-no-return question when it applies */
  g_signal_emit (self, signals[SIGNAL_CANCEL_REQUESTED], 0);
  return GDK_EVENT_STOP;
}

static void
drag_data_received_cb (GtkWidget *widget, GdkDragContext *context, gint x, gint y,
                       GtkSelectionData *data, guint info, guint time, OtaWindow *self)
{
  g_auto (GStrv) uris = gtk_selection_data_get_uris (data);
  g_autofree gchar *path = NULL;

  if (uris == NULL || uris[0] == NULL || self->flashing)
    return;
  path = g_filename_from_uri (uris[0], NULL, NULL);
  if (path != NULL)
    g_signal_emit (self, signals[SIGNAL_FILE_CHOSEN], 0, path);
}

static void
open_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  choose_file (OTA_WINDOW (user_data));
}

static void
try_demo_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OtaWindow *self = OTA_WINDOW (user_data);

  if (!self->flashing)
    g_signal_emit (self, signals[SIGNAL_DEMO_REQUESTED], 0);
}

gboolean
ota_window_save_log (OtaWindow *self, const gchar *path, GError **error)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), FALSE);
  return ota_log_model_save (self->log, path, error);
}

static void
save_log_response_cb (GtkNativeDialog *dialog, gint response, OtaWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree gchar *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (dialog));
      g_autoptr (GError) error = NULL;

      if (path != NULL && !ota_window_save_log (self, path, &error))
        ota_window_show_problem (self, error->message, _ ("Choose another folder for the log."));
    }
  g_clear_object (&self->save_chooser);
}

static void
save_log_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OtaWindow *self = OTA_WINDOW (user_data);
  GtkFileChooserNative *chooser;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *name = g_date_time_format (now, "otaflash-%Y%m%d-%H%M%S.jsonl");

  if (self->save_chooser != NULL)
    return;
  chooser = self->save_chooser
      = gtk_file_chooser_native_new (_ ("Save the Log"), GTK_WINDOW (self),
                                     GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Save"), _ ("_Cancel"));
  gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (save_log_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
batch_action_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OtaWindow *self = OTA_WINDOW (user_data);

  if (!self->flashing && !self->batch && self->file_state == FILE_VALID)
    g_signal_emit (self, signals[SIGNAL_BATCH_REQUESTED], 0);
}

void
ota_window_batch_started (OtaWindow *self)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  clear_result (self);
  self->batch = TRUE;
  ota_batch_view_start (OTA_BATCH_VIEW (self->batch_view), ota_window_get_host (self));
  gtk_label_set_text (GTK_LABEL (self->stage_label), _ ("Waiting for the next device"));
  update_actions (self);
}

void
ota_window_batch_finished (OtaWindow *self)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  self->batch = FALSE;
  ota_batch_view_finish (OTA_BATCH_VIEW (self->batch_view));
  update_actions (self);
}

gboolean
ota_window_is_batch (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), FALSE);
  return self->batch;
}

OtaBatchView *
ota_window_get_batch_view (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), NULL);
  return OTA_BATCH_VIEW (self->batch_view);
}

static const GActionEntry win_entries[] = {
  { "batch", batch_action_cb, NULL, NULL, NULL, { 0 } },
  { "open", open_action_cb, NULL, NULL, NULL, { 0 } },
  { "try-demo", try_demo_action_cb, NULL, NULL, NULL, { 0 } },
  { "save-log", save_log_action_cb, NULL, NULL, NULL, { 0 } },
};

/* ---- GObject ---------------------------------------------------------------------- */

static void
ota_window_dispose (GObject *object)
{
  OtaWindow *self = OTA_WINDOW (object);

  /* a file dialog still shown answers nobody */
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
    }
  g_clear_object (&self->chooser);
  if (self->save_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->save_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->save_chooser));
    }
  g_clear_object (&self->save_chooser);
  stop_ticking (self);
  if (self->confirm_dialog != NULL)
    gtk_widget_destroy (self->confirm_dialog);
  G_OBJECT_CLASS (ota_window_parent_class)->dispose (object);
}

static void
ota_window_finalize (GObject *object)
{
  OtaWindow *self = OTA_WINDOW (object);

  g_free (self->file_path);
  g_free (self->result_uuid);
  g_free (self->stage_one_sha256);
  g_clear_object (&self->ufw);
  g_clear_pointer (&self->device, ota_description_free);
  g_clear_object (&self->log);
  G_OBJECT_CLASS (ota_window_parent_class)->finalize (object);
}

static void
ota_window_class_init (OtaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ota_window_dispose;
  object_class->finalize = ota_window_finalize;

  signals[SIGNAL_FILE_CHOSEN]
      = g_signal_new ("file-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_ADDRESS_CHANGED]
      = g_signal_new ("address-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_FLASH_REQUESTED]
      = g_signal_new ("flash-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CANCEL_REQUESTED]
      = g_signal_new ("cancel-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_DEMO_REQUESTED]
      = g_signal_new ("demo-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_DEMO_FIRMWARE_REQUESTED]
      = g_signal_new ("demo-firmware-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                      NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_LEAVE_DEMO_REQUESTED]
      = g_signal_new ("leave-demo-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_BATCH_REQUESTED]
      = g_signal_new ("batch-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_WIFI_CHANGED]
      = g_signal_new ("wifi-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);

  ota_gui_register_resources ();
  g_type_ensure (OTA_TYPE_RESULT_VIEW);
  g_type_ensure (OTA_TYPE_NETWORK_LIST);
  g_type_ensure (OTA_TYPE_BATCH_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/otaflash/Otaflash/ota-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, recovery_bar);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, demo_bar);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, demo_firmware_button);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, leave_demo_button);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, result_bar);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, result_view);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_button);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_detail_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, try_demo_button);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, stage_progress_bar);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, save_log_button);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_name_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_status_image);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_status_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_version_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_size_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_chip_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_sha_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, device_status_image);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, device_status_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, device_stack);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, device_product_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, device_version_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, device_method_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, device_state_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, device_uuid_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, absent_hint_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, network_list);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, advanced_expander);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, host_entry);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, patterns_entry);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, password_entry);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, ctp_spin);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, http_spin);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, ota_spin);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, stage_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, progress_detail_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, activity_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, log_expander);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, log_view);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, flash_button);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, batch_view);
  gtk_widget_class_bind_template_callback (widget_class, file_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, flash_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, address_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, wifi_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, result_bar_response_cb);
  gtk_widget_class_bind_template_callback (widget_class, demo_bar_response_cb);
  gtk_widget_class_bind_template_callback (widget_class, delete_event_cb);
  gtk_widget_class_bind_template_callback (widget_class, drag_data_received_cb);
}

/* A large screen (1920x1080): the result and the progress grow with the
 * room instead of floating small in it. */
static void
size_allocate_cb (GtkWidget *widget, GdkRectangle *allocation, OtaWindow *self)
{
  gboolean large = allocation->width >= 1400 && allocation->height >= 850;
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  if (large == self->large)
    return;
  self->large = large;
  if (large)
    gtk_style_context_add_class (context, "large");
  else
    gtk_style_context_remove_class (context, "large");
  ota_result_view_set_large (OTA_RESULT_VIEW (self->result_view), large);
}

static void
set_accessible_name (GtkWidget *widget, const gchar *name)
{
  atk_object_set_name (gtk_widget_get_accessible (widget), name);
}

/* GtkInfoBar's close button is an icon without a name. */
static void
name_close_button (GtkWidget *widget, gpointer user_data)
{
  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) == NULL)
    {
      GtkWidget *image = gtk_button_get_image (GTK_BUTTON (widget));
      GtkWidget *child = gtk_bin_get_child (GTK_BIN (widget));
      const gchar *icon = NULL;

      if (image == NULL && GTK_IS_IMAGE (child))
        image = child;
      if (image != NULL)
        gtk_image_get_icon_name (GTK_IMAGE (image), &icon, NULL);
      if (g_strcmp0 (icon, "window-close-symbolic") == 0)
        {
          set_accessible_name (widget, user_data);
          gtk_widget_set_tooltip_text (widget, user_data);
        }
    }
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), name_close_button, user_data);
}

static void
ota_window_init (OtaWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->stall_ms = STALL_MS;
  g_signal_connect (self, "size-allocate", G_CALLBACK (size_allocate_cb), self);
  g_signal_connect (self->result_bar, "notify::visible", G_CALLBACK (result_bar_visible_cb), self);
  g_signal_connect_swapped (self->network_list, "changed", G_CALLBACK (update_actions), self);
  gtk_label_set_ellipsize (GTK_LABEL (self->file_size_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (self->file_size_label), 28);

  /* every control has a name a screen reader can say */
  set_accessible_name (self->host_entry, _ ("Device address"));
  set_accessible_name (self->ctp_spin, _ ("Control port (CTP)"));
  set_accessible_name (self->http_spin, _ ("Description port (HTTP)"));
  set_accessible_name (self->ota_spin, _ ("Upgrade data port (OTA)"));
  set_accessible_name (self->patterns_entry, _ ("Device network names"));
  set_accessible_name (self->password_entry, _ ("Wi-Fi password of the devices"));
  set_accessible_name (self->progress_bar, _ ("Overall progress"));
  set_accessible_name (self->stage_progress_bar, _ ("Stage progress"));
  set_accessible_name (self->file_status_image, _ ("File status"));
  set_accessible_name (self->device_status_image, _ ("Device status"));
  set_accessible_name (self->log_view, _ ("Log"));
  name_close_button (self->result_bar, (gpointer) _ ("Dismiss the result"));

  self->log = ota_log_model_new ();
  gtk_text_view_set_buffer (GTK_TEXT_VIEW (self->log_view), ota_log_model_get_buffer (self->log));
  g_signal_connect (self->log, "changed", G_CALLBACK (log_changed_cb), self);
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries),
                                   self);

  /* a .ufw dropped anywhere on the window */
  gtk_drag_dest_set (GTK_WIDGET (self), GTK_DEST_DEFAULT_ALL, NULL, 0, GDK_ACTION_COPY);
  gtk_drag_dest_add_uri_targets (GTK_WIDGET (self));

  gtk_entry_set_activates_default (GTK_ENTRY (self->host_entry), TRUE);
  gtk_widget_grab_default (self->flash_button);
  ota_window_set_device (self, NULL, NULL);
  update_actions (self);
}

OtaWindow *
ota_window_new (GtkApplication *application)
{
  return g_object_new (OTA_TYPE_WINDOW, "application", application, NULL);
}

/* ---- for tests -------------------------------------------------------------------- */

#define ACCESSOR(name)                                                                             \
  GtkWidget *ota_window_get_##name (OtaWindow *self)                                               \
  {                                                                                                \
    g_return_val_if_fail (OTA_IS_WINDOW (self), NULL);                                             \
    return self->name;                                                                             \
  }

OtaNetworkList *
ota_window_get_network_list (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), NULL);
  return OTA_NETWORK_LIST (self->network_list);
}

ACCESSOR (flash_button)
ACCESSOR (cancel_button)
ACCESSOR (stage_label)
ACCESSOR (progress_bar)
ACCESSOR (activity_label)
ACCESSOR (result_bar)
ACCESSOR (result_view)
ACCESSOR (recovery_bar)
ACCESSOR (stage_progress_bar)
ACCESSOR (progress_detail_label)
ACCESSOR (file_detail_label)
ACCESSOR (try_demo_button)
ACCESSOR (leave_demo_button)
ACCESSOR (advanced_expander)
ACCESSOR (patterns_entry)
ACCESSOR (password_entry)
ACCESSOR (confirm_dialog)
ACCESSOR (device_uuid_label)
ACCESSOR (log_view)
ACCESSOR (demo_bar)
ACCESSOR (file_status_label)
ACCESSOR (file_version_label)
ACCESSOR (device_status_label)
ACCESSOR (device_version_label)
ACCESSOR (log_expander)

GPtrArray *
ota_window_get_log_lines (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), NULL);
  return ota_log_model_get_lines (self->log);
}

GtkWidget *
ota_window_get_result_label (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), NULL);
  return ota_result_view_get_body_label (OTA_RESULT_VIEW (self->result_view));
}

GtkWidget *
ota_window_get_next_step_label (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), NULL);
  return ota_result_view_get_next_step_label (OTA_RESULT_VIEW (self->result_view));
}

void
ota_window_set_stall_ms (OtaWindow *self, guint ms)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  self->stall_ms = ms;
}
