/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-network-list.h"
#include "ota-i18n.h"
#include "ota-network-list-private.h"

#include "ota-text.h"
#include "ota-wifi-filter.h"

/* a scan answers within a few seconds; NetworkManager's own limit is ~30 s */
#define CHECK_MS 10000
#define SCAN_MS 30000

struct _OtaNetworkList {
  GtkBox parent_instance;

  GtkWidget *combo; /* id: the SSID, "" for Automatic */
  GtkWidget *refresh_button;
  GtkWidget *auto_check;
  GtkWidget *status_label;

  OtaWifi *wifi;
  OtaWifiFilter *filter;
  gboolean usable;     /* the backend can join and its check passed */
  gboolean said_why;   /* "join by hand: why" was said once */
  GPtrArray *networks; /* device networks in range, as listed */
  gchar *selected;     /* the SSID chosen, NULL for Automatic */
  GCancellable *cancellable;
  gboolean scanning;
  gboolean busy;
  gboolean filling; /* the combo is being filled: no "changed" from it */
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OtaNetworkList, ota_network_list, GTK_TYPE_BOX)

/* ---- order ---------------------------------------------------------------------- */

static gint
compare_networks (gconstpointer a, gconstpointer b)
{
  const OtaWifiNetwork *na = *(const OtaWifiNetwork *const *) a;
  const OtaWifiNetwork *nb = *(const OtaWifiNetwork *const *) b;
  gboolean ra = ota_wifi_ssid_is_recovery (na->ssid);
  gboolean rb = ota_wifi_ssid_is_recovery (nb->ssid);

  if (ra != rb)
    return ra ? -1 : 1;
  if (na->signal != nb->signal)
    return na->signal > nb->signal ? -1 : 1;
  return g_strcmp0 (na->ssid, nb->ssid);
}

void
ota_network_list_sort (GPtrArray *networks)
{
  g_return_if_fail (networks != NULL);
  g_ptr_array_sort (networks, compare_networks);
}

/* ---- the view ------------------------------------------------------------------- */

static void
emit_changed (OtaNetworkList *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
update_sensitivity (OtaNetworkList *self)
{
  gboolean on = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->auto_check));

  gtk_widget_set_sensitive (self->auto_check, self->usable && !self->busy);
  gtk_widget_set_sensitive (self->combo, self->usable && on && !self->busy);
  gtk_widget_set_sensitive (self->refresh_button, self->usable && !self->busy && !self->scanning);
}

static void
set_status (OtaNetworkList *self, const gchar *text)
{
  g_autofree gchar *safe = ota_text_sanitize (text, -1);

  gtk_label_set_text (GTK_LABEL (self->status_label), safe);
}

/* The combo from self->networks, keeping the choice when it is still there. */
static void
fill (OtaNetworkList *self)
{
  GtkComboBoxText *combo = GTK_COMBO_BOX_TEXT (self->combo);
  gboolean kept = FALSE;

  self->filling = TRUE;
  gtk_combo_box_text_remove_all (combo);
  gtk_combo_box_text_append (combo, "", _ ("Automatic (the device network in range)"));
  for (guint i = 0; i < self->networks->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (self->networks, i);
      g_autofree gchar *ssid = ota_text_sanitize (n->ssid, -1);
      g_autofree gchar *text
          = ota_wifi_ssid_is_recovery (n->ssid)
                ? g_strdup_printf (_ ("%s — recovery (waits for stage two), %u %%"), ssid,
                                   n->signal)
                : g_strdup_printf (_ ("%s — %u %%"), ssid, n->signal);

      gtk_combo_box_text_append (combo, n->ssid, text);
      if (g_strcmp0 (n->ssid, self->selected) == 0)
        kept = TRUE;
    }
  if (!kept)
    g_clear_pointer (&self->selected, g_free);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (combo), self->selected != NULL ? self->selected : "");
  self->filling = FALSE;
}

static void
show_networks (OtaNetworkList *self)
{
  guint recovery = 0;

  for (guint i = 0; i < self->networks->len; i++)
    recovery += ota_wifi_ssid_is_recovery (
        ((const OtaWifiNetwork *) g_ptr_array_index (self->networks, i))->ssid);
  fill (self);
  if (self->networks->len == 0)
    set_status (self, _ ("No device network in range. Switch the device on, then press Refresh."));
  else if (recovery > 0)
    set_status (self, _ ("A device waits for its second stage (WIFI_OTA_…): Recover finishes it."));
  else if (self->networks->len == 1)
    set_status (self, _ ("One device network in range."));
  else
    {
      g_autofree gchar *text = g_strdup_printf (
          _ ("%u device networks in range: choose the one to flash."), self->networks->len);
      set_status (self, text);
    }
}

/* Without a backend that can join: said once, why; the choice is hidden. */
static void
show_by_hand (OtaNetworkList *self, const gchar *why)
{
  g_autofree gchar *text = NULL;

  self->usable = FALSE;
  gtk_widget_show (GTK_WIDGET (self));
  gtk_widget_hide (self->combo);
  gtk_widget_hide (self->refresh_button);
  gtk_widget_hide (self->auto_check);
  if (!self->said_why)
    {
      self->said_why = TRUE;
      text = g_strdup_printf (_ ("Join the device's Wi-Fi by hand: this PC cannot join it (%s)."),
                              why);
      set_status (self, text);
    }
  update_sensitivity (self);
}

/* ---- the scan ------------------------------------------------------------------- */

typedef struct {
  OtaWifi *wifi;
  GError *check_error; /* the backend cannot join now */
  GPtrArray *all;      /* everything in range, or NULL with scan_error */
  GError *scan_error;
} ScanData;

static void
scan_data_free (ScanData *data)
{
  g_clear_object (&data->wifi);
  g_clear_error (&data->check_error);
  g_clear_error (&data->scan_error);
  g_clear_pointer (&data->all, g_ptr_array_unref);
  g_free (data);
}

static void
scan_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ScanData *data = task_data;

  if (!ota_wifi_check (data->wifi, ota_wifi_deadline_in (CHECK_MS), cancellable,
                       &data->check_error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  data->all
      = ota_wifi_scan (data->wifi, ota_wifi_deadline_in (SCAN_MS), cancellable, &data->scan_error);
  g_task_return_boolean (task, TRUE);
}

static void
scan_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  OtaNetworkList *self = OTA_NETWORK_LIST (source);
  ScanData *data = g_task_get_task_data (G_TASK (res));
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (res));

  /* the widget went away, or another scan replaced this one */
  if (g_cancellable_is_cancelled (cancellable) || cancellable != self->cancellable)
    return;
  self->scanning = FALSE;
  g_clear_object (&self->cancellable);
  if (data->check_error != NULL)
    show_by_hand (self, data->check_error->message);
  else if (data->all == NULL)
    {
      g_autofree gchar *text = g_strdup_printf (_ ("Cannot list the networks in range: %s"),
                                                data->scan_error->message);
      self->usable = TRUE;
      set_status (self, text);
    }
  else
    ota_network_list_set_scan_result (self, data->all);
  update_sensitivity (self);
  emit_changed (self);
}

void
ota_network_list_refresh (OtaNetworkList *self)
{
  g_autoptr (GTask) task = NULL;
  ScanData *data;

  g_return_if_fail (OTA_IS_NETWORK_LIST (self));
  if (self->wifi == NULL || !ota_wifi_can_join (self->wifi) || self->busy)
    return;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->scanning = TRUE;
  set_status (self, _ ("Looking for device networks…"));
  update_sensitivity (self);

  data = g_new0 (ScanData, 1);
  data->wifi = g_object_ref (self->wifi);
  task = g_task_new (self, self->cancellable, scan_done_cb, NULL);
  g_task_set_source_tag (task, ota_network_list_refresh);
  g_task_set_task_data (task, data, (GDestroyNotify) scan_data_free);
  g_task_run_in_thread (task, scan_thread);
}

void
ota_network_list_set_scan_result (OtaNetworkList *self, GPtrArray *networks)
{
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_if_fail (OTA_IS_NETWORK_LIST (self));
  if (self->filter == NULL)
    self->filter = ota_wifi_filter_new (NULL);
  self->usable = self->wifi == NULL || ota_wifi_can_join (self->wifi);
  devices = ota_wifi_filter_devices (self->filter, networks);
  /* several access points with one name count once: the strongest */
  ota_wifi_network_sort (devices);
  g_ptr_array_set_size (self->networks, 0);
  for (guint i = 0; i < devices->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (devices, i);

      if (g_hash_table_contains (seen, n->ssid))
        continue;
      g_hash_table_add (seen, n->ssid);
      g_ptr_array_add (self->networks, ota_wifi_network_copy (n));
    }
  ota_network_list_sort (self->networks);
  show_networks (self);
  update_sensitivity (self);
  emit_changed (self);
}

/* ---- API ------------------------------------------------------------------------ */

void
ota_network_list_set_wifi (OtaNetworkList *self, OtaWifi *wifi, OtaWifiFilter *filter,
                           const gchar *why)
{
  g_return_if_fail (OTA_IS_NETWORK_LIST (self));

  g_set_object (&self->wifi, wifi);
  g_clear_object (&self->filter);
  self->filter = filter != NULL ? g_object_ref (filter) : ota_wifi_filter_new (NULL);
  if (wifi == NULL)
    {
      show_by_hand (self, why != NULL ? why : _ ("no Wi-Fi control in this build"));
      emit_changed (self);
      return;
    }
  if (!ota_wifi_can_join (wifi))
    {
      /* "none": the device panel already says to join it by hand */
      self->usable = FALSE;
      gtk_widget_hide (GTK_WIDGET (self));
      update_sensitivity (self);
      emit_changed (self);
      return;
    }
  self->usable = TRUE;
  gtk_widget_show (GTK_WIDGET (self));
  ota_network_list_refresh (self);
  emit_changed (self);
}

void
ota_network_list_set_busy (OtaNetworkList *self, gboolean busy)
{
  g_return_if_fail (OTA_IS_NETWORK_LIST (self));
  self->busy = busy;
  update_sensitivity (self);
}

gboolean
ota_network_list_get_usable (OtaNetworkList *self)
{
  g_return_val_if_fail (OTA_IS_NETWORK_LIST (self), FALSE);
  return self->usable;
}

gboolean
ota_network_list_get_auto_join (OtaNetworkList *self)
{
  g_return_val_if_fail (OTA_IS_NETWORK_LIST (self), FALSE);
  return self->usable && gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->auto_check));
}

void
ota_network_list_set_auto_join (OtaNetworkList *self, gboolean on)
{
  g_return_if_fail (OTA_IS_NETWORK_LIST (self));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->auto_check), on);
}

const gchar *
ota_network_list_get_selected (OtaNetworkList *self)
{
  g_return_val_if_fail (OTA_IS_NETWORK_LIST (self), NULL);
  return self->selected;
}

gboolean
ota_network_list_select (OtaNetworkList *self, const gchar *ssid)
{
  g_return_val_if_fail (OTA_IS_NETWORK_LIST (self), FALSE);
  return gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->combo), ssid != NULL ? ssid : "");
}

gboolean
ota_network_list_get_recovery (OtaNetworkList *self)
{
  g_return_val_if_fail (OTA_IS_NETWORK_LIST (self), FALSE);
  if (self->selected != NULL)
    return ota_wifi_ssid_is_recovery (self->selected);
  /* Automatic takes the recovery network first (ota_wifi_filter_pick_auto) */
  return self->networks->len > 0
         && ota_wifi_ssid_is_recovery (
             ((const OtaWifiNetwork *) g_ptr_array_index (self->networks, 0))->ssid);
}

GPtrArray *
ota_network_list_get_networks (OtaNetworkList *self)
{
  g_return_val_if_fail (OTA_IS_NETWORK_LIST (self), NULL);
  return self->networks;
}

OtaWifi *
ota_network_list_get_wifi (OtaNetworkList *self)
{
  g_return_val_if_fail (OTA_IS_NETWORK_LIST (self), NULL);
  return self->wifi;
}

OtaWifiFilter *
ota_network_list_get_filter (OtaNetworkList *self)
{
  g_return_val_if_fail (OTA_IS_NETWORK_LIST (self), NULL);
  return self->filter;
}

gboolean
ota_network_list_get_scanning (OtaNetworkList *self)
{
  g_return_val_if_fail (OTA_IS_NETWORK_LIST (self), FALSE);
  return self->scanning;
}

GtkWidget *
ota_network_list_get_combo (OtaNetworkList *self)
{
  return self->combo;
}

GtkWidget *
ota_network_list_get_refresh_button (OtaNetworkList *self)
{
  return self->refresh_button;
}

GtkWidget *
ota_network_list_get_auto_check (OtaNetworkList *self)
{
  return self->auto_check;
}

GtkWidget *
ota_network_list_get_status_label (OtaNetworkList *self)
{
  return self->status_label;
}

/* ---- GObject -------------------------------------------------------------------- */

static void
combo_changed_cb (GtkComboBox *combo, OtaNetworkList *self)
{
  const gchar *id = gtk_combo_box_get_active_id (combo);

  if (self->filling)
    return;
  g_free (self->selected);
  self->selected = id != NULL && *id != '\0' ? g_strdup (id) : NULL;
  emit_changed (self);
}

static void
auto_toggled_cb (GtkToggleButton *button, OtaNetworkList *self)
{
  update_sensitivity (self);
  emit_changed (self);
}

static void
refresh_clicked_cb (GtkButton *button, OtaNetworkList *self)
{
  ota_network_list_refresh (self);
}

static void
ota_network_list_dispose (GObject *object)
{
  OtaNetworkList *self = OTA_NETWORK_LIST (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->wifi);
  g_clear_object (&self->filter);
  G_OBJECT_CLASS (ota_network_list_parent_class)->dispose (object);
}

static void
ota_network_list_finalize (GObject *object)
{
  OtaNetworkList *self = OTA_NETWORK_LIST (object);

  g_ptr_array_unref (self->networks);
  g_free (self->selected);
  G_OBJECT_CLASS (ota_network_list_parent_class)->finalize (object);
}

static void
ota_network_list_class_init (OtaNetworkListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ota_network_list_dispose;
  object_class->finalize = ota_network_list_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

/* the combo's own button speaks as the combo does */
static void
name_inner_button (GtkWidget *widget, gpointer user_data)
{
  if (GTK_IS_BUTTON (widget))
    atk_object_set_name (gtk_widget_get_accessible (widget), user_data);
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), name_inner_button, user_data);
}

static void
ota_network_list_init (OtaNetworkList *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->networks = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_wifi_network_free);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 4);

  self->auto_check
      = gtk_check_button_new_with_mnemonic (_ ("_Join the device's Wi-Fi automatically"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->auto_check), TRUE);
  gtk_widget_set_tooltip_text (self->auto_check,
                               _ ("Flash joins the device network chosen below, rejoins it after "
                                  "each restart of the device, and puts this PC back on its own "
                                  "network at the end"));
  g_signal_connect (self->auto_check, "toggled", G_CALLBACK (auto_toggled_cb), self);

  self->combo = gtk_combo_box_text_new ();
  gtk_widget_set_hexpand (self->combo, TRUE);
  gtk_widget_set_tooltip_text (self->combo, _ ("The device's Wi-Fi network to flash through"));
  atk_object_set_name (gtk_widget_get_accessible (self->combo), _ ("Device network"));
  gtk_container_forall (GTK_CONTAINER (self->combo), name_inner_button,
                        (gpointer) _ ("Device network"));
  g_signal_connect (self->combo, "changed", G_CALLBACK (combo_changed_cb), self);

  self->refresh_button
      = gtk_button_new_from_icon_name ("view-refresh-symbolic", GTK_ICON_SIZE_BUTTON);
  gtk_widget_set_tooltip_text (self->refresh_button, _ ("Look for device networks again"));
  atk_object_set_name (gtk_widget_get_accessible (self->refresh_button),
                       _ ("Look for device networks again"));
  g_signal_connect (self->refresh_button, "clicked", G_CALLBACK (refresh_clicked_cb), self);

  self->status_label = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (self->status_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->status_label), 0);
  gtk_label_set_width_chars (GTK_LABEL (self->status_label), 20);
  gtk_label_set_max_width_chars (GTK_LABEL (self->status_label), 34);
  gtk_style_context_add_class (gtk_widget_get_style_context (self->status_label), "dim-label");

  gtk_box_pack_start (GTK_BOX (row), self->combo, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (row), self->refresh_button, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (self), self->auto_check, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (self), row, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (self), self->status_label, FALSE, FALSE, 0);
  gtk_widget_show_all (row);
  gtk_widget_show (self->auto_check);
  gtk_widget_show (self->status_label);
  fill (self);
  update_sensitivity (self);
}

GtkWidget *
ota_network_list_new (void)
{
  return g_object_new (OTA_TYPE_NETWORK_LIST, NULL);
}
