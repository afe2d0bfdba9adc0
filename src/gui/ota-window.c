/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-window.h"

#include "ota-gui.h"

#include <string.h>

#include "ota-advice.h"
#include "ota-error.h"
#include "ota-log-model.h"
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
  GtkWidget *recovery_bar;
  GtkWidget *demo_bar;
  GtkWidget *result_bar;
  GtkWidget *result_label;
  GtkWidget *next_step_label;
  GtkWidget *file_button;
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
  GtkWidget *advanced_expander;
  GtkWidget *host_entry;
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

  /* state */
  FileState file_state;
  gchar *file_path;
  OtaUfw *ufw;            /* the valid file's container, or NULL */
  OtaDescription *device; /* the last description read, or NULL */
  gboolean flashing;
  gboolean demo_starting;
  gboolean quiet;                     /* filling the address fields: no "address-changed" */
  gboolean writing_shown;             /* stage two's "writing" activity was shown */
  OtaLogModel *log;                   /* this upgrade's log (JSON Lines and readable) */
  GtkFileChooserNative *chooser;      /* open, while shown */
  GtkFileChooserNative *save_chooser; /* save the log, while shown */
};

enum {
  SIGNAL_FILE_CHOSEN,
  SIGNAL_ADDRESS_CHANGED,
  SIGNAL_FLASH_REQUESTED,
  SIGNAL_CANCEL_REQUESTED,
  SIGNAL_DEMO_REQUESTED,
  SIGNAL_DEMO_FIRMWARE_REQUESTED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OtaWindow, ota_window, GTK_TYPE_APPLICATION_WINDOW)

#define DEMO_BAR_RESPONSE_MAKE 1

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

/* What to do next while nothing runs. */
static gchar *
idle_hint (OtaWindow *self)
{
  const gchar *file_version = self->ufw != NULL ? ota_ufw_get_version (self->ufw) : NULL;

  if (self->demo_starting)
    return g_strdup ("Starting the built-in device emulator…");
  if (self->file_state == FILE_NONE)
    return g_strdup ("Choose the firmware file (.ufw): press Ctrl+O or drop it onto this window.");
  if (self->file_state == FILE_CHECKING)
    return g_strdup ("Checking the firmware file…");
  if (self->file_state == FILE_INVALID)
    return g_strdup ("Choose another firmware file; this one cannot be used.");
  if (self->device == NULL)
    return g_strdup ("Join the device's Wi-Fi network; the device appears here by itself.");
  if (!device_is_usable (self))
    return g_strdup ("This device cannot be upgraded with the single-backup network upgrade.");
  if (device_needs_stage_two (self))
    return g_strdup ("Press Recover to finish the interrupted upgrade with this file.");
  if (file_version != NULL && g_strcmp0 (file_version, self->device->firmware_version) == 0)
    return g_strdup_printf ("The device already runs firmware %s, the version of this file.",
                            file_version);
  return g_strdup_printf ("Ready: press Flash to upgrade the device from firmware %s to %s.",
                          or_dash (self->device->firmware_version), or_dash (file_version));
}

/* Everything whose sensitivity or label follows from the state. */
static void
update_actions (OtaWindow *self)
{
  gboolean recover = device_needs_stage_two (self);
  gboolean can_flash = self->file_state == FILE_VALID && device_is_usable (self) && !self->flashing;
  const gchar *why = NULL;

  /* while flashing the device passes through its updater: keep the label */
  if (!self->flashing)
    gtk_button_set_label (GTK_BUTTON (self->flash_button), recover ? "_Recover" : "_Flash");
  gtk_widget_set_sensitive (self->flash_button, can_flash);
  if (self->flashing)
    why = "An upgrade is running";
  else if (self->file_state != FILE_VALID)
    why = "Choose a valid firmware file first";
  else if (self->device == NULL)
    why = "No device answers at the address";
  else if (!device_is_usable (self))
    why = "This device does not use the single-backup network upgrade";
  else if (recover)
    why = "Finish the interrupted upgrade: the second stage, with this file";
  else
    why = "Upgrade the device with this file, in two stages";
  gtk_widget_set_tooltip_text (self->flash_button, why);

  gtk_widget_set_sensitive (self->cancel_button, self->flashing);
  gtk_widget_set_sensitive (self->file_button, !self->flashing);
  gtk_widget_set_sensitive (gtk_bin_get_child (GTK_BIN (self->advanced_expander)), !self->flashing);
  set_simple_action_enabled (self, "open", !self->flashing);
  set_simple_action_enabled (self, "try-demo", !self->flashing && !self->demo_starting);
  set_simple_action_enabled (self, "save-log", ota_log_model_get_lines (self->log)->len > 0);
  gtk_widget_set_visible (self->recovery_bar, recover && !self->flashing);
  if (can_flash)
    gtk_widget_grab_default (self->flash_button);
  if (!self->flashing)
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
    g_autofree gchar *size_text
        = g_strdup_printf ("%s (%" G_GUINT64_FORMAT " bytes)", size, ota_ufw_get_size (ufw));
    g_autofree gchar *sha = g_strndup (ota_ufw_get_sha256 (ufw), 16);
    g_autofree gchar *sha_text = g_strconcat (sha, "…", NULL);

    set_outside_text (self->file_version_label, ota_ufw_get_version (ufw) != NULL
                                                    ? ota_ufw_get_version (ufw)
                                                    : "unknown (no script.ver)");
    gtk_label_set_text (GTK_LABEL (self->file_size_label), size_text);
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
                      base != NULL ? base : "Choose a .ufw file…");
  gtk_widget_set_tooltip_text (self->file_button,
                               full != NULL ? full
                                            : "Choose the .ufw firmware file (Ctrl+O), or drop "
                                              "one onto this window");
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
  gtk_label_set_text (GTK_LABEL (self->file_status_label), "Checking the file…");
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
                          "Valid firmware: every checksum is right and the updater is in it.");
    }
  else
    {
      g_autofree gchar *full = g_strconcat ("Cannot be used: ", error->message, NULL);

      self->file_state = FILE_INVALID;
      gtk_image_set_from_icon_name (GTK_IMAGE (self->file_status_image), "dialog-error-symbolic",
                                    GTK_ICON_SIZE_BUTTON);
      set_outside_text (self->file_status_label, full);
    }
  update_actions (self);
}

/* ---- the device ----------------------------------------------------------------- */

void
ota_window_set_device (OtaWindow *self, const OtaDescription *desc, const GError *error)
{
  const gchar *host;

  g_return_if_fail (OTA_IS_WINDOW (self));

  host = ota_window_get_host (self);
  g_clear_pointer (&self->device, ota_description_free);
  if (desc != NULL)
    {
      g_autofree gchar *status = NULL;
      const gchar *state;

      self->device = ota_description_copy (desc);
      status = g_strdup_printf ("Connected to the device at %s", host);
      gtk_label_set_text (GTK_LABEL (self->device_status_label), status);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->device_status_image),
                                    "network-wireless-signal-excellent-symbolic",
                                    GTK_ICON_SIZE_BUTTON);
      set_outside_text (self->device_product_label, desc->product_type);
      set_outside_text (self->device_version_label, desc->firmware_version);
      gtk_label_set_text (GTK_LABEL (self->device_method_label),
                          ota_description_is_single_backup (desc)
                              ? "Single backup (this method)"
                              : "Dual backup: not supported by this upgrade method");
      if (ota_description_needs_stage_two (desc))
        state = "In its updater, waiting for the second stage";
      else if (g_strcmp0 (desc->ota_step, "0") == 0)
        state = "Normal firmware running, ready";
      else
        state = "Unknown (ota_step is neither 0 nor 1)";
      gtk_label_set_text (GTK_LABEL (self->device_state_label), state);
      set_outside_text (self->device_uuid_label, desc->uuid);
      gtk_stack_set_visible_child_name (GTK_STACK (self->device_stack), "details");
    }
  else if (error != NULL)
    {
      g_autofree gchar *status = NULL;

      if (g_error_matches (error, OTA_ERROR, OTA_ERROR_NOT_REACHABLE)
          || g_error_matches (error, OTA_ERROR, OTA_ERROR_TIMED_OUT))
        status = g_strdup_printf ("Nothing answers at %s.", host);
      else if (g_error_matches (error, OTA_ERROR, OTA_ERROR_NOT_SUPPORTED))
        status = g_strdup_printf ("The device at %s has no network upgrade (%s).", host,
                                  error->message);
      else
        status = g_strdup_printf ("Something answers at %s, but not like the device: %s.", host,
                                  error->message);
      gtk_label_set_text (GTK_LABEL (self->device_status_label), status);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->device_status_image),
                                    "network-wireless-offline-symbolic", GTK_ICON_SIZE_BUTTON);
      gtk_stack_set_visible_child_name (GTK_STACK (self->device_stack), "absent");
    }
  else
    {
      g_autofree gchar *status = g_strdup_printf ("Looking for the device at %s…", host);

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

/* ---- the upgrade ------------------------------------------------------------------ */

gboolean
ota_window_is_flashing (OtaWindow *self)
{
  g_return_val_if_fail (OTA_IS_WINDOW (self), FALSE);
  return self->flashing;
}

static void
reset_progress (OtaWindow *self)
{
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), 0.0);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress_bar), " ");
  gtk_label_set_text (GTK_LABEL (self->progress_detail_label), " ");
}

void
ota_window_flash_started (OtaWindow *self)
{
  g_return_if_fail (OTA_IS_WINDOW (self));

  self->flashing = TRUE;
  self->writing_shown = FALSE;
  gtk_widget_hide (self->result_bar);
  gtk_widget_hide (self->demo_bar);
  reset_progress (self);
  gtk_label_set_text (GTK_LABEL (self->stage_label),
                      device_needs_stage_two (self) ? "Recovering: stage 2 of 2" : "Starting");
  gtk_label_set_text (GTK_LABEL (self->activity_label), "Reading the device description…");

  /* the file first, as otaflash --cli --json begins */
  ota_log_model_clear (self->log);
  ota_log_model_add_file (self->log, self->file_path, self->ufw);
  update_actions (self);
}

static void
show_progress (OtaWindow *self, const OtaEvent *ev)
{
  g_autofree gchar *percent = g_strdup_printf ("%u %%", ev->percent);
  g_autofree gchar *detail = NULL;

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar),
                                 CLAMP (ev->percent, 0u, 100u) / 100.0);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress_bar), percent);
  if (ev->total == 0)
    detail = g_strdup ("Waiting for the device to say how much it will write…");
  else
    {
      g_autofree gchar *done = g_format_size (ev->bytes);
      g_autofree gchar *total = g_format_size (ev->total);
      g_autofree gchar *rate = ev->rate > 0 ? g_format_size ((guint64) ev->rate) : NULL;
      g_autofree gchar *eta = format_duration (ev->eta);

      detail = g_strdup_printf ("%s of %s  ·  %s%s  ·  %s left", done, total,
                                rate != NULL ? rate : "–", rate != NULL ? "/s" : "", eta);
    }
  gtk_label_set_text (GTK_LABEL (self->progress_detail_label), detail);
  if (ev->stage == 2 && ev->total > 0 && !self->writing_shown)
    {
      self->writing_shown = TRUE;
      gtk_label_set_text (GTK_LABEL (self->activity_label),
                          "The updater is writing the new firmware. Keep the device powered and "
                          "in range.");
    }
}

void
ota_window_show_event (OtaWindow *self, const OtaEvent *ev)
{
  const gchar *hint;

  g_return_if_fail (OTA_IS_WINDOW (self));
  g_return_if_fail (ev != NULL);

  ota_log_model_add_event (self->log, ev);
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
                              ev->stage == 1 ? "Stage 1 of 2: sending the updater to the device"
                                             : "Stage 2 of 2: sending the firmware to the updater");
          gtk_label_set_text (GTK_LABEL (self->activity_label), hint);
        }
      else if (ev->outcome == OTA_STAGE_OUTCOME_OK)
        {
          g_autofree gchar *text = g_strdup_printf ("Stage %u of 2 done", ev->stage);

          /* the bar stays where the device's own percentage put it */
          gtk_label_set_text (GTK_LABEL (self->stage_label), text);
        }
      else
        {
          g_autofree gchar *text = g_strdup_printf (
              "Stage %u of 2 %s", ev->stage,
              ev->outcome == OTA_STAGE_OUTCOME_CANCELLED ? "cancelled" : "failed");
          gtk_label_set_text (GTK_LABEL (self->stage_label), text);
        }
      break;
    case OTA_EVENT_PROGRESS:
      show_progress (self, ev);
      break;
    case OTA_EVENT_LOG:
    default:
      if (hint != NULL)
        gtk_label_set_text (GTK_LABEL (self->activity_label), hint);
      else
        set_outside_text (self->activity_label, ev->message);
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
                      "Cancelling: the device is told to stop at its next request…");
  gtk_widget_set_sensitive (self->cancel_button, FALSE);
}

static void
show_result (OtaWindow *self, GtkMessageType type, const gchar *message, const gchar *next_step)
{
  g_autofree gchar *safe = ota_text_sanitize (message, -1);
  g_autofree gchar *text = sentence (safe);

  gtk_info_bar_set_message_type (GTK_INFO_BAR (self->result_bar), type);
  gtk_label_set_text (GTK_LABEL (self->result_label), text);
  if (next_step != NULL)
    {
      g_autofree gchar *hint = g_strconcat ("Next step: ", next_step, NULL);
      gtk_label_set_text (GTK_LABEL (self->next_step_label), hint);
    }
  gtk_widget_set_visible (self->next_step_label, next_step != NULL);
  gtk_widget_show (self->result_bar);
}

void
ota_window_flash_finished (OtaWindow *self, const OtaAdvice *advice)
{
  GtkMessageType type;

  g_return_if_fail (OTA_IS_WINDOW (self));
  g_return_if_fail (advice != NULL);

  self->flashing = FALSE;
  update_actions (self);
  switch (advice->outcome)
    {
    case OTA_OUTCOME_SUCCESS:
    case OTA_OUTCOME_CANCELLED:
    case OTA_OUTCOME_NOTHING_TO_DO:
      type = GTK_MESSAGE_INFO;
      break;
    case OTA_OUTCOME_NEEDS_RECOVERY:
    case OTA_OUTCOME_NO_REBOOT:
      type = GTK_MESSAGE_WARNING;
      break;
    default:
      type = GTK_MESSAGE_ERROR;
      break;
    }
  show_result (self, type, advice->message,
               advice->outcome == OTA_OUTCOME_SUCCESS ? NULL : advice->next_step);

  if (advice->outcome == OTA_OUTCOME_SUCCESS)
    {
      g_autofree gchar *activity = NULL;
      g_autofree gchar *version = ota_text_sanitize (or_dash (advice->firmware_version), -1);

      activity = g_strdup_printf ("The device restarted and reports firmware %s.", version);
      gtk_label_set_text (GTK_LABEL (self->activity_label), activity);
    }
  else
    gtk_label_set_text (GTK_LABEL (self->activity_label),
                        advice->outcome == OTA_OUTCOME_CANCELLED ? "Cancelled." : "Stopped.");
  ota_log_model_add_result (self->log, advice);
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
                          "Starting the built-in device emulator…");
      gtk_image_set_from_icon_name (GTK_IMAGE (self->device_status_image),
                                    "network-wireless-acquiring-symbolic", GTK_ICON_SIZE_BUTTON);
    }
  update_actions (self);
}

void
ota_window_offer_demo_firmware (OtaWindow *self, gboolean offer)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  gtk_widget_set_visible (self->demo_bar, offer);
}

void
ota_window_show_problem (OtaWindow *self, const gchar *message, const gchar *next_step)
{
  g_return_if_fail (OTA_IS_WINDOW (self));
  show_result (self, GTK_MESSAGE_ERROR, message, next_step);
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
  self->chooser = gtk_file_chooser_native_new ("Choose the Firmware File", GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, "Firmware files (*.ufw)");
  gtk_file_filter_add_pattern (filter, "*.ufw");
  gtk_file_filter_add_pattern (filter, "*.UFW");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, "All files");
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
flash_button_clicked_cb (GtkButton *button, OtaWindow *self)
{
  if (self->flashing || self->file_state != FILE_VALID || !device_is_usable (self))
    return;
  g_signal_emit (self, signals[SIGNAL_FLASH_REQUESTED], 0);
}

static void
cancel_button_clicked_cb (GtkButton *button, OtaWindow *self)
{
  if (self->flashing)
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
  gtk_widget_hide (GTK_WIDGET (bar));
  if (response == DEMO_BAR_RESPONSE_MAKE)
    g_signal_emit (self, signals[SIGNAL_DEMO_FIRMWARE_REQUESTED], 0);
}

static gboolean
delete_event_cb (GtkWidget *widget, GdkEvent *event, OtaWindow *self)
{
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
        ota_window_show_problem (self, error->message, "Choose another folder for the log.");
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
  chooser = self->save_chooser = gtk_file_chooser_native_new (
      "Save the Log", GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE, "_Save", "_Cancel");
  gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (save_log_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static const GActionEntry win_entries[] = {
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
  G_OBJECT_CLASS (ota_window_parent_class)->dispose (object);
}

static void
ota_window_finalize (GObject *object)
{
  OtaWindow *self = OTA_WINDOW (object);

  g_free (self->file_path);
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

  ota_gui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/otaflash/Otaflash/ota-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, recovery_bar);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, demo_bar);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, result_bar);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, result_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, next_step_label);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, file_button);
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
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, advanced_expander);
  gtk_widget_class_bind_template_child (widget_class, OtaWindow, host_entry);
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
  gtk_widget_class_bind_template_callback (widget_class, file_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, flash_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, address_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, result_bar_response_cb);
  gtk_widget_class_bind_template_callback (widget_class, demo_bar_response_cb);
  gtk_widget_class_bind_template_callback (widget_class, delete_event_cb);
  gtk_widget_class_bind_template_callback (widget_class, drag_data_received_cb);
}

static void
ota_window_init (OtaWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

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

ACCESSOR (flash_button)
ACCESSOR (cancel_button)
ACCESSOR (stage_label)
ACCESSOR (progress_bar)
ACCESSOR (activity_label)
ACCESSOR (result_bar)
ACCESSOR (result_label)
ACCESSOR (next_step_label)
ACCESSOR (recovery_bar)
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
