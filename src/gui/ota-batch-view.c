/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-batch-view.h"
#include "ota-i18n.h"

#include "ota-text.h"

typedef struct {
  guint unit;
  gchar *uuid;
  gchar *before;
  gchar *after;
  OtaBatchUnitState state;
  GtkWidget *image;
  GtkWidget *version_label;
  GtkWidget *state_label;
} Unit;

struct _OtaBatchView {
  GtkBox parent_instance;

  GtkWidget *counters_label;
  GtkWidget *status_label;
  GtkWidget *stop_button;
  GtkWidget *unit_list;

  GPtrArray *units; /* of Unit, in order */
  guint n_ok, n_failed;
  gboolean running;
  gboolean stopping;
  gchar *host;
};

G_DEFINE_TYPE (OtaBatchView, ota_batch_view, GTK_TYPE_BOX)

enum {
  SIGNAL_STOP_REQUESTED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* One row per state: the icon tells a pass from a fail before a word is read. */
static const struct {
  const gchar *id;
  const gchar *icon;
  const gchar *text;
} states[] = {
  [OTA_BATCH_UNIT_WAITING] = { "waiting", "content-loading-symbolic", N_ ("waiting") },
  [OTA_BATCH_UNIT_STAGE_ONE] = { "stage-1", "network-transmit-symbolic", N_ ("stage 1") },
  [OTA_BATCH_UNIT_RESTARTING] = { "restarting", "view-refresh-symbolic", N_ ("restarting") },
  [OTA_BATCH_UNIT_STAGE_TWO] = { "stage-2", "network-transmit-symbolic", N_ ("stage 2") },
  [OTA_BATCH_UNIT_DONE] = { "done", "emblem-ok-symbolic", N_ ("done") },
  [OTA_BATCH_UNIT_FAILED] = { "failed", "dialog-error-symbolic", N_ ("failed") },
  [OTA_BATCH_UNIT_NEEDS_RECOVERY]
  = { "needs-recovery", "dialog-warning-symbolic", N_ ("needs recovery") },
};

const gchar *
ota_batch_unit_state_to_string (OtaBatchUnitState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (states), "unknown");
  return states[state].id;
}

static void
unit_free (gpointer data)
{
  Unit *u = data;

  g_free (u->uuid);
  g_free (u->before);
  g_free (u->after);
  g_free (u);
}

static Unit *
find_unit (OtaBatchView *self, guint unit)
{
  for (guint i = 0; i < self->units->len; i++)
    {
      Unit *u = g_ptr_array_index (self->units, i);

      if (u->unit == unit)
        return u;
    }
  return NULL;
}

static Unit *
current_unit (OtaBatchView *self)
{
  return self->units->len > 0 ? g_ptr_array_index (self->units, self->units->len - 1) : NULL;
}

static const gchar *
or_dash (const gchar *s)
{
  return s != NULL && *s != '\0' ? s : "—";
}

static void
show_unit (Unit *u)
{
  g_autofree gchar *versions = NULL;
  g_autofree gchar *safe = NULL;

  gtk_image_set_from_icon_name (GTK_IMAGE (u->image), states[u->state].icon, GTK_ICON_SIZE_BUTTON);
  atk_object_set_name (gtk_widget_get_accessible (u->image), _ (states[u->state].text));
  gtk_label_set_text (GTK_LABEL (u->state_label), _ (states[u->state].text));
  versions = u->after != NULL ? g_strdup_printf ("%s → %s", or_dash (u->before), u->after)
                              : g_strdup (or_dash (u->before));
  safe = ota_text_sanitize (versions, -1);
  gtk_label_set_text (GTK_LABEL (u->version_label), safe);
}

static void
set_state (Unit *u, OtaBatchUnitState state)
{
  u->state = state;
  show_unit (u);
}

static void
show_counters (OtaBatchView *self)
{
  g_autofree gchar *text = g_strdup_printf (_ ("OK %u · failed %u"), self->n_ok, self->n_failed);

  gtk_label_set_text (GTK_LABEL (self->counters_label), text);
}

static void
show_waiting (OtaBatchView *self)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *safe = ota_text_sanitize (or_dash (self->host), -1);

  text = g_strdup_printf (_ ("Waiting for the next device at %s: connect it, or join its Wi-Fi "
                             "network."),
                          safe);
  gtk_label_set_text (GTK_LABEL (self->status_label), text);
}

void
ota_batch_view_start (OtaBatchView *self, const gchar *host)
{
  GList *rows;

  g_return_if_fail (OTA_IS_BATCH_VIEW (self));
  rows = gtk_container_get_children (GTK_CONTAINER (self->unit_list));
  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  g_list_free (rows);
  g_ptr_array_set_size (self->units, 0);
  self->n_ok = self->n_failed = 0;
  self->running = TRUE;
  self->stopping = FALSE;
  g_free (self->host);
  self->host = g_strdup (host);
  show_counters (self);
  show_waiting (self);
  gtk_widget_set_sensitive (self->stop_button, TRUE);
  gtk_widget_show (GTK_WIDGET (self));
}

static GtkWidget *
row_label (const gchar *text, gboolean dim)
{
  g_autofree gchar *safe = ota_text_sanitize (text, -1);
  GtkWidget *label = gtk_label_new (safe);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (dim)
    gtk_style_context_add_class (gtk_widget_get_style_context (label), "dim-label");
  return label;
}

void
ota_batch_view_add_unit (OtaBatchView *self, guint unit, const OtaDescription *device)
{
  Unit *u = g_new0 (Unit, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label;
  g_autofree gchar *number = g_strdup_printf (_ ("Unit %u"), unit);

  g_return_if_fail (OTA_IS_BATCH_VIEW (self));
  u->unit = unit;
  u->uuid = g_strdup (device != NULL ? device->uuid : NULL);
  u->before = g_strdup (device != NULL ? device->firmware_version : NULL);
  u->state = device != NULL && ota_description_needs_stage_two (device) ? OTA_BATCH_UNIT_RESTARTING
                                                                        : OTA_BATCH_UNIT_WAITING;
  g_ptr_array_add (self->units, u);

  g_object_set (box, "margin-start", 6, "margin-end", 6, "margin-top", 3, "margin-bottom", 3, NULL);
  u->image = gtk_image_new ();
  gtk_box_pack_start (GTK_BOX (box), u->image, FALSE, FALSE, 0);
  label = row_label (number, FALSE);
  gtk_label_set_width_chars (GTK_LABEL (label), 8);
  gtk_box_pack_start (GTK_BOX (box), label, FALSE, FALSE, 0);
  label = row_label (or_dash (device != NULL ? device->product_type : NULL), FALSE);
  gtk_label_set_width_chars (GTK_LABEL (label), 14);
  gtk_box_pack_start (GTK_BOX (box), label, FALSE, FALSE, 0);
  label = row_label (or_dash (u->uuid), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_can_focus (label, FALSE);
  gtk_box_pack_start (GTK_BOX (box), label, TRUE, TRUE, 0);
  u->version_label = row_label (NULL, FALSE);
  gtk_label_set_width_chars (GTK_LABEL (u->version_label), 14);
  gtk_box_pack_start (GTK_BOX (box), u->version_label, FALSE, FALSE, 0);
  u->state_label = row_label (NULL, FALSE);
  gtk_label_set_width_chars (GTK_LABEL (u->state_label), 10);
  gtk_box_pack_start (GTK_BOX (box), u->state_label, FALSE, FALSE, 0);
  gtk_widget_show_all (box);
  gtk_container_add (GTK_CONTAINER (self->unit_list), box);
  show_unit (u);

  {
    g_autofree gchar *text = g_strdup_printf (_ ("Flashing unit %u…"), unit);

    gtk_label_set_text (GTK_LABEL (self->status_label), text);
  }
}

void
ota_batch_view_show_event (OtaBatchView *self, const OtaEvent *ev)
{
  Unit *u;

  g_return_if_fail (OTA_IS_BATCH_VIEW (self));
  u = current_unit (self);
  if (u == NULL || !self->running || u->state >= OTA_BATCH_UNIT_DONE)
    return;
  if (ev->kind == OTA_EVENT_STAGE && ev->state == OTA_STAGE_STATE_START)
    set_state (u, ev->stage == 1 ? OTA_BATCH_UNIT_STAGE_ONE : OTA_BATCH_UNIT_STAGE_TWO);
  else if (ev->kind == OTA_EVENT_LOG && ev->code == OTA_EVENT_CODE_REBOOT_WAIT)
    set_state (u, OTA_BATCH_UNIT_RESTARTING);
}

void
ota_batch_view_finish_unit (OtaBatchView *self, guint unit, const OtaAdvice *advice, gboolean last)
{
  Unit *u;

  g_return_if_fail (OTA_IS_BATCH_VIEW (self));
  g_return_if_fail (advice != NULL);
  u = find_unit (self, unit);
  if (u == NULL)
    return;
  if (advice->outcome == OTA_OUTCOME_SUCCESS)
    {
      self->n_ok++;
      g_free (u->after);
      u->after = g_strdup (advice->firmware_version);
      set_state (u, OTA_BATCH_UNIT_DONE);
    }
  else
    {
      self->n_failed++;
      set_state (u, advice->state == OTA_DEVICE_STATE_NEEDS_RECOVERY ? OTA_BATCH_UNIT_NEEDS_RECOVERY
                                                                     : OTA_BATCH_UNIT_FAILED);
    }
  gtk_widget_set_tooltip_text (u->state_label, advice->message);
  show_counters (self);
  if (!last && !self->stopping)
    show_waiting (self);
}

void
ota_batch_view_set_stopping (OtaBatchView *self)
{
  g_return_if_fail (OTA_IS_BATCH_VIEW (self));
  self->stopping = TRUE;
  gtk_widget_set_sensitive (self->stop_button, FALSE);
  gtk_label_set_text (GTK_LABEL (self->status_label),
                      _ ("Stopping after this unit: no other device will be flashed."));
}

void
ota_batch_view_finish (OtaBatchView *self)
{
  g_autofree gchar *text = NULL;
  guint n;

  g_return_if_fail (OTA_IS_BATCH_VIEW (self));
  self->running = FALSE;
  gtk_widget_set_sensitive (self->stop_button, FALSE);
  n = self->units->len;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Batch ended: %u device flashed.",
                                       "Batch ended: %u devices flashed.", n),
                          n);
  gtk_label_set_text (GTK_LABEL (self->status_label), text);
}

gboolean
ota_batch_view_is_running (OtaBatchView *self)
{
  g_return_val_if_fail (OTA_IS_BATCH_VIEW (self), FALSE);
  return self->running;
}

static void
stop_button_clicked_cb (GtkButton *button, OtaBatchView *self)
{
  if (!self->running || self->stopping)
    return;
  ota_batch_view_set_stopping (self);
  g_signal_emit (self, signals[SIGNAL_STOP_REQUESTED], 0);
}

/* ---- GObject -------------------------------------------------------------------- */

static void
ota_batch_view_finalize (GObject *object)
{
  OtaBatchView *self = OTA_BATCH_VIEW (object);

  g_ptr_array_unref (self->units);
  g_free (self->host);
  G_OBJECT_CLASS (ota_batch_view_parent_class)->finalize (object);
}

static void
ota_batch_view_class_init (OtaBatchViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ota_batch_view_finalize;
  signals[SIGNAL_STOP_REQUESTED]
      = g_signal_new ("stop-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/otaflash/Otaflash/ota-batch-view.ui");
  gtk_widget_class_bind_template_child (widget_class, OtaBatchView, counters_label);
  gtk_widget_class_bind_template_child (widget_class, OtaBatchView, status_label);
  gtk_widget_class_bind_template_child (widget_class, OtaBatchView, stop_button);
  gtk_widget_class_bind_template_child (widget_class, OtaBatchView, unit_list);
  gtk_widget_class_bind_template_callback (widget_class, stop_button_clicked_cb);
}

static void
ota_batch_view_init (OtaBatchView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->units = g_ptr_array_new_with_free_func (unit_free);
  atk_object_set_name (gtk_widget_get_accessible (self->unit_list), _ ("Devices of this batch"));
  show_counters (self);
}

GtkWidget *
ota_batch_view_new (void)
{
  return g_object_new (OTA_TYPE_BATCH_VIEW, NULL);
}

/* ---- for tests -------------------------------------------------------------------- */

guint
ota_batch_view_get_n_units (OtaBatchView *self)
{
  return self->units->len;
}

OtaBatchUnitState
ota_batch_view_get_unit_state (OtaBatchView *self, guint unit)
{
  Unit *u = find_unit (self, unit);

  g_return_val_if_fail (u != NULL, OTA_BATCH_UNIT_FAILED);
  return u->state;
}

const gchar *
ota_batch_view_get_unit_uuid (OtaBatchView *self, guint unit)
{
  Unit *u = find_unit (self, unit);

  return u != NULL ? u->uuid : NULL;
}

const gchar *
ota_batch_view_get_unit_version_before (OtaBatchView *self, guint unit)
{
  Unit *u = find_unit (self, unit);

  return u != NULL ? u->before : NULL;
}

const gchar *
ota_batch_view_get_unit_version_after (OtaBatchView *self, guint unit)
{
  Unit *u = find_unit (self, unit);

  return u != NULL ? u->after : NULL;
}

guint
ota_batch_view_get_n_ok (OtaBatchView *self)
{
  return self->n_ok;
}

guint
ota_batch_view_get_n_failed (OtaBatchView *self)
{
  return self->n_failed;
}

GtkWidget *
ota_batch_view_get_stop_button (OtaBatchView *self)
{
  return self->stop_button;
}

GtkWidget *
ota_batch_view_get_counters_label (OtaBatchView *self)
{
  return self->counters_label;
}

GtkWidget *
ota_batch_view_get_status_label (OtaBatchView *self)
{
  return self->status_label;
}
