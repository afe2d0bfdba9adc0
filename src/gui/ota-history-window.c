/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-history-window.h"
#include "ota-i18n.h"

#include "ota-history.h"
#include "ota-text.h"

#include <string.h>

struct _OtaHistoryWindow {
  GtkWindow parent_instance;

  GtkWidget *uuid_entry;
  GtkWidget *outcome_combo;
  GtkWidget *since_combo;
  GtkWidget *tree_view;
  GtkWidget *status_label;
  GtkWidget *log_scroller;
  GtkWidget *log_view;
  GtkWidget *show_log_button;

  gchar *path;
  OtaHistory *history; /* NULL when it cannot be opened (the status says why) */
  GtkListStore *store;
  GPtrArray *shown; /* OtaHistoryRecord, as in the store */
  GtkFileChooserNative *chooser;
};

G_DEFINE_TYPE (OtaHistoryWindow, ota_history_window, GTK_TYPE_WINDOW)

enum {
  COL_INDEX, /* into self->shown */
  COL_TIME,
  COL_UUID,
  COL_PRODUCT,
  COL_VERSIONS,
  COL_OUTCOME,
  COL_DURATION,
  N_COLS
};

/* The outcome a person reads: the result's own headline (src/core/ota-advice.c). */
static const struct {
  const gchar *id;
  const gchar *text;
} outcomes[] = {
  { "success", N_ ("Updated") },
  { "not-reachable", N_ ("Device not found") },
  { "invalid-file", N_ ("File refused") },
  { "refused", N_ ("Device refused") },
  { "nothing-to-do", N_ ("Already up to date") },
  { "failed-unchanged", N_ ("Failed — device unchanged") },
  { "needs-recovery", N_ ("Not finished — recovery needed") },
  { "no-reboot", N_ ("Device did not come back") },
  { "cancelled", N_ ("Cancelled — device unchanged") },
  { "wifi", N_ ("Wi-Fi problem") },
  { OTA_HISTORY_OUTCOME_RUNNING, N_ ("Running") },
  { OTA_HISTORY_OUTCOME_INTERRUPTED, N_ ("Interrupted") },
};

static const gchar *
outcome_text (const gchar *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    if (g_strcmp0 (outcomes[i].id, id) == 0)
      return _ (outcomes[i].text);
  return id != NULL ? id : "—";
}

/* The outcome filter: "failed" is every end that is neither a success nor
 * a device left waiting for stage two, nor a flash still running. */
static gboolean
outcome_matches (const gchar *filter, const gchar *outcome)
{
  if (filter == NULL || g_str_equal (filter, "all"))
    return TRUE;
  if (g_str_equal (filter, "failed"))
    return g_strcmp0 (outcome, "success") != 0 && g_strcmp0 (outcome, "needs-recovery") != 0
           && g_strcmp0 (outcome, OTA_HISTORY_OUTCOME_RUNNING) != 0;
  return g_strcmp0 (filter, outcome) == 0;
}

static gint64
since_us (const gchar *filter)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) midnight = NULL;

  if (g_strcmp0 (filter, "today") != 0 && g_strcmp0 (filter, "week") != 0)
    return 0;
  midnight = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                    g_date_time_get_day_of_month (now), 0, 0, 0);
  if (g_str_equal (filter, "week"))
    {
      g_autoptr (GDateTime) week = g_date_time_add_days (midnight, -6);

      return g_date_time_to_unix (week) * G_USEC_PER_SEC;
    }
  return g_date_time_to_unix (midnight) * G_USEC_PER_SEC;
}

static gchar *
local_time (gint64 unix_us)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (unix_us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("—");
}

static gchar *
safe (const gchar *text)
{
  return ota_text_sanitize (text != NULL && *text != '\0' ? text : "—", -1);
}

static void
set_status (OtaHistoryWindow *self, const gchar *text)
{
  gtk_label_set_text (GTK_LABEL (self->status_label), text);
}

void
ota_history_window_reload (OtaHistoryWindow *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = NULL;
  OtaHistoryQuery query = { NULL, 0, 0, FALSE };
  const gchar *needle;
  const gchar *outcome;

  g_return_if_fail (OTA_IS_HISTORY_WINDOW (self));
  gtk_list_store_clear (self->store);
  g_ptr_array_set_size (self->shown, 0);
  gtk_widget_hide (self->log_scroller);
  if (self->history == NULL)
    {
      self->history = ota_history_open (self->path, &error);
      if (self->history == NULL)
        {
          g_autofree gchar *text
              = g_strdup_printf (_ ("The history cannot be read: %s"), error->message);

          set_status (self, text);
          return;
        }
    }
  query.since_us = since_us (gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->since_combo)));
  records = ota_history_query (self->history, &query, &error);
  if (records == NULL)
    {
      g_autofree gchar *text
          = g_strdup_printf (_ ("The history cannot be read: %s"), error->message);

      set_status (self, text);
      return;
    }
  needle = gtk_entry_get_text (GTK_ENTRY (self->uuid_entry));
  outcome = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->outcome_combo));
  for (guint i = 0; i < records->len; i++)
    {
      OtaHistoryRecord *r = g_ptr_array_index (records, i);
      g_autofree gchar *time = NULL, *uuid = NULL, *product = NULL, *versions = NULL;
      g_autofree gchar *duration = NULL;
      gdouble secs;
      GtkTreeIter iter;

      if (*needle != '\0' && (r->device_uuid == NULL || strstr (r->device_uuid, needle) == NULL))
        continue;
      if (!outcome_matches (outcome, r->outcome))
        continue;
      time = local_time (r->started_us);
      uuid = safe (r->device_uuid);
      product = safe (r->product_type);
      {
        g_autofree gchar *before = safe (r->version_before);
        g_autofree gchar *raw = r->version_after != NULL
                                    ? g_strdup_printf ("%s → %s", before, r->version_after)
                                    : g_strdup (before);

        versions = ota_text_sanitize (raw, -1);
      }
      secs = ota_history_record_get_duration (r);
      duration = secs >= 0 ? g_strdup_printf (_ ("%.1f s"), secs) : g_strdup ("—");
      gtk_list_store_insert_with_values (self->store, &iter, -1, COL_INDEX, self->shown->len,
                                         COL_TIME, time, COL_UUID, uuid, COL_PRODUCT, product,
                                         COL_VERSIONS, versions, COL_OUTCOME,
                                         outcome_text (r->outcome), COL_DURATION, duration, -1);
      g_ptr_array_add (self->shown, g_ptr_array_steal_index (records, i));
      i--;
    }
  {
    g_autofree gchar *text
        = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u flash shown, newest first.",
                                        "%u flashes shown, newest first.", self->shown->len),
                           self->shown->len);

    set_status (self, text);
  }
}

static void
filter_changed_cb (GtkWidget *widget, OtaHistoryWindow *self)
{
  ota_history_window_reload (self);
}

static OtaHistoryRecord *
selected_record (OtaHistoryWindow *self)
{
  GtkTreeSelection *selection = gtk_tree_view_get_selection (GTK_TREE_VIEW (self->tree_view));
  GtkTreeModel *model;
  GtkTreeIter iter;
  guint index;

  if (!gtk_tree_selection_get_selected (selection, &model, &iter))
    return NULL;
  gtk_tree_model_get (model, &iter, COL_INDEX, &index, -1);
  return index < self->shown->len ? g_ptr_array_index (self->shown, index) : NULL;
}

static void
selection_changed_cb (GtkTreeSelection *selection, OtaHistoryWindow *self)
{
  gtk_widget_set_sensitive (self->show_log_button, selected_record (self) != NULL);
}

/* The log is read only for the record asked for: the list holds none. */
static void
show_log (OtaHistoryWindow *self)
{
  OtaHistoryRecord *r = selected_record (self);
  OtaHistoryQuery query = { NULL, 0, 0, TRUE };
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) error = NULL;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->log_view));
  const gchar *log = NULL;

  if (r == NULL || self->history == NULL)
    return;
  query.device_uuid = r->device_uuid;
  query.since_us = r->started_us;
  records = ota_history_query (self->history, &query, &error);
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      OtaHistoryRecord *full = g_ptr_array_index (records, i);

      if (full->id == r->id)
        log = full->log;
    }
  if (log == NULL || *log == '\0')
    gtk_text_buffer_set_text (buffer, _ ("This flash has no log."), -1);
  else
    {
      g_autofree gchar *text = ota_text_sanitize (log, -1);

      gtk_text_buffer_set_text (buffer, text, -1);
    }
  gtk_widget_show (self->log_scroller);
}

static void
show_log_clicked_cb (GtkButton *button, OtaHistoryWindow *self)
{
  show_log (self);
}

static void
row_activated_cb (GtkTreeView *view, GtkTreePath *path, GtkTreeViewColumn *column,
                  OtaHistoryWindow *self)
{
  show_log (self);
}

gboolean
ota_history_window_export (OtaHistoryWindow *self, const gchar *path, GError **error)
{
  g_autofree gchar *csv = NULL;

  g_return_val_if_fail (OTA_IS_HISTORY_WINDOW (self), FALSE);
  csv = ota_history_records_to_csv (self->shown);
  return g_file_set_contents (path, csv, -1, error);
}

static void
export_response_cb (GtkNativeDialog *dialog, gint response, OtaHistoryWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree gchar *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (dialog));
      g_autoptr (GError) error = NULL;

      if (path != NULL && !ota_history_window_export (self, path, &error))
        {
          g_autofree gchar *text = g_strdup_printf (
              _ ("The records could not be saved: %s. Choose another folder."), error->message);

          set_status (self, text);
        }
    }
  g_clear_object (&self->chooser);
}

static void
export_clicked_cb (GtkButton *button, OtaHistoryWindow *self)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *name = g_date_time_format (now, "otaflash-history-%Y%m%d.csv");

  if (self->chooser != NULL)
    return;
  self->chooser
      = gtk_file_chooser_native_new (_ ("Export the History"), GTK_WINDOW (self),
                                     GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Save"), _ ("_Cancel"));
  gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
ota_history_window_dispose (GObject *object)
{
  OtaHistoryWindow *self = OTA_HISTORY_WINDOW (object);

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
    }
  g_clear_object (&self->chooser);
  g_clear_object (&self->history);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (ota_history_window_parent_class)->dispose (object);
}

static void
ota_history_window_finalize (GObject *object)
{
  OtaHistoryWindow *self = OTA_HISTORY_WINDOW (object);

  g_free (self->path);
  g_ptr_array_unref (self->shown);
  G_OBJECT_CLASS (ota_history_window_parent_class)->finalize (object);
}

static void
ota_history_window_class_init (OtaHistoryWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ota_history_window_dispose;
  object_class->finalize = ota_history_window_finalize;
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/otaflash/Otaflash/ota-history-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OtaHistoryWindow, uuid_entry);
  gtk_widget_class_bind_template_child (widget_class, OtaHistoryWindow, outcome_combo);
  gtk_widget_class_bind_template_child (widget_class, OtaHistoryWindow, since_combo);
  gtk_widget_class_bind_template_child (widget_class, OtaHistoryWindow, tree_view);
  gtk_widget_class_bind_template_child (widget_class, OtaHistoryWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, OtaHistoryWindow, log_scroller);
  gtk_widget_class_bind_template_child (widget_class, OtaHistoryWindow, log_view);
  gtk_widget_class_bind_template_child (widget_class, OtaHistoryWindow, show_log_button);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_log_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
}

static void
add_column (OtaHistoryWindow *self, const gchar *title, gint column, gboolean monospace)
{
  GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *col;

  if (monospace)
    g_object_set (cell, "family", "monospace", NULL);
  col = gtk_tree_view_column_new_with_attributes (title, cell, "text", column, NULL);
  gtk_tree_view_column_set_resizable (col, TRUE);
  gtk_tree_view_append_column (GTK_TREE_VIEW (self->tree_view), col);
}

static void
ota_history_window_init (OtaHistoryWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->shown = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_history_record_free);
  self->store = gtk_list_store_new (N_COLS, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  gtk_tree_view_set_model (GTK_TREE_VIEW (self->tree_view), GTK_TREE_MODEL (self->store));
  add_column (self, _ ("Started"), COL_TIME, FALSE);
  add_column (self, _ ("UUID"), COL_UUID, TRUE);
  add_column (self, _ ("Product"), COL_PRODUCT, FALSE);
  add_column (self, _ ("Version"), COL_VERSIONS, FALSE);
  add_column (self, _ ("Outcome"), COL_OUTCOME, FALSE);
  add_column (self, _ ("Duration"), COL_DURATION, FALSE);
  g_signal_connect (gtk_tree_view_get_selection (GTK_TREE_VIEW (self->tree_view)), "changed",
                    G_CALLBACK (selection_changed_cb), self);
  atk_object_set_name (gtk_widget_get_accessible (self->tree_view), _ ("Recorded flashes"));
  atk_object_set_name (gtk_widget_get_accessible (self->log_view), _ ("Log"));
}

OtaHistoryWindow *
ota_history_window_new (GtkWindow *parent, const gchar *path)
{
  OtaHistoryWindow *self = g_object_new (OTA_TYPE_HISTORY_WINDOW, "transient-for", parent, NULL);

  self->path = path != NULL ? g_strdup (path) : ota_history_default_path ();
  ota_history_window_reload (self);
  return self;
}

/* ---- for tests -------------------------------------------------------------------- */

guint
ota_history_window_get_n_shown (OtaHistoryWindow *self)
{
  return self->shown->len;
}

#define ACCESSOR(name)                                                                             \
  GtkWidget *ota_history_window_get_##name (OtaHistoryWindow *self)                                \
  {                                                                                                \
    g_return_val_if_fail (OTA_IS_HISTORY_WINDOW (self), NULL);                                     \
    return self->name;                                                                             \
  }
ACCESSOR (uuid_entry)
ACCESSOR (outcome_combo)
ACCESSOR (since_combo)
ACCESSOR (tree_view)
ACCESSOR (show_log_button)
ACCESSOR (log_view)
ACCESSOR (status_label)
