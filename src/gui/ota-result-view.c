/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-result-view.h"
#include "ota-i18n.h"

#include "ota-text.h"

struct _OtaResultView {
  GtkBox parent_instance;

  GtkWidget *image;
  GtkWidget *headline_label;
  GtkWidget *body_label;
  GtkWidget *next_step_label;
  GtkWidget *detail_expander;
  GtkWidget *detail_label;
  OtaResultKind kind;
  gboolean large;
};

G_DEFINE_TYPE (OtaResultView, ota_result_view, GTK_TYPE_BOX)

#define ICON_SIZE 48
#define ICON_SIZE_LARGE 96

/* One row per kind: the icon and the style class are what tells a pass from
 * a fail before a word is read. */
static const struct {
  const gchar *id;
  const gchar *icon;
  GtkMessageType type;
} kinds[] = {
  [OTA_RESULT_KIND_SUCCESS] = { "success", "emblem-ok-symbolic", GTK_MESSAGE_INFO },
  [OTA_RESULT_KIND_UNCHANGED] = { "unchanged", "dialog-information-symbolic", GTK_MESSAGE_INFO },
  [OTA_RESULT_KIND_CANCELLED] = { "cancelled", "process-stop-symbolic", GTK_MESSAGE_OTHER },
  [OTA_RESULT_KIND_WARNING] = { "warning", "dialog-warning-symbolic", GTK_MESSAGE_WARNING },
  [OTA_RESULT_KIND_ERROR] = { "error", "dialog-error-symbolic", GTK_MESSAGE_ERROR },
};

const gchar *
ota_result_kind_to_string (OtaResultKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (kinds), "unknown");
  return kinds[kind].id;
}

GtkMessageType
ota_result_kind_to_message_type (OtaResultKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (kinds), GTK_MESSAGE_OTHER);
  return kinds[kind].type;
}

static void
set_text (GtkWidget *label, const gchar *text)
{
  g_autofree gchar *safe = text != NULL ? ota_text_sanitize (text, -1) : NULL;

  gtk_label_set_text (GTK_LABEL (label), safe != NULL ? safe : "");
  gtk_widget_set_visible (label, safe != NULL && *safe != '\0');
}

void
ota_result_view_show (OtaResultView *self, OtaResultKind kind, const gchar *headline,
                      const gchar *body, const gchar *next_step, const gchar *detail)
{
  GtkStyleContext *context;

  g_return_if_fail (OTA_IS_RESULT_VIEW (self));
  g_return_if_fail (kind < G_N_ELEMENTS (kinds));

  context = gtk_widget_get_style_context (GTK_WIDGET (self));
  gtk_style_context_remove_class (context, kinds[self->kind].id);
  self->kind = kind;
  gtk_style_context_add_class (context, kinds[kind].id);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->image), kinds[kind].icon, GTK_ICON_SIZE_DIALOG);
  gtk_image_set_pixel_size (GTK_IMAGE (self->image), self->large ? ICON_SIZE_LARGE : ICON_SIZE);
  set_text (self->headline_label, headline);
  set_text (self->body_label, body);
  if (next_step != NULL)
    {
      g_autofree gchar *text = g_strconcat (_ ("Next step: "), next_step, NULL);
      set_text (self->next_step_label, text);
    }
  else
    set_text (self->next_step_label, NULL);
  set_text (self->detail_label, detail);
  gtk_widget_set_visible (self->detail_expander, detail != NULL && *detail != '\0');
  gtk_expander_set_expanded (GTK_EXPANDER (self->detail_expander), FALSE);
  /* a screen reader hears the outcome first */
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)),
                       headline != NULL ? headline : "");
}

OtaResultKind
ota_result_view_get_kind (OtaResultView *self)
{
  g_return_val_if_fail (OTA_IS_RESULT_VIEW (self), OTA_RESULT_KIND_ERROR);
  return self->kind;
}

void
ota_result_view_set_large (OtaResultView *self, gboolean large)
{
  GtkStyleContext *context;

  g_return_if_fail (OTA_IS_RESULT_VIEW (self));
  if (self->large == large)
    return;
  self->large = large;
  context = gtk_widget_get_style_context (GTK_WIDGET (self));
  if (large)
    gtk_style_context_add_class (context, "large");
  else
    gtk_style_context_remove_class (context, "large");
  gtk_image_set_pixel_size (GTK_IMAGE (self->image), large ? ICON_SIZE_LARGE : ICON_SIZE);
}

static GtkWidget *
new_label (const gchar *style_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  /* wraps rather than widening the window */
  gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
  if (style_class != NULL)
    gtk_style_context_add_class (gtk_widget_get_style_context (label), style_class);
  return label;
}

static void
ota_result_view_init (OtaResultView *self)
{
  GtkWidget *texts;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing (GTK_BOX (self), 18);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self)), "ota-result");

  self->image = gtk_image_new ();
  gtk_widget_set_valign (self->image, GTK_ALIGN_START);
  gtk_box_pack_start (GTK_BOX (self), self->image, FALSE, FALSE, 0);

  texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_box_pack_start (GTK_BOX (self), texts, TRUE, TRUE, 0);

  self->headline_label = new_label ("ota-result-headline");
  self->body_label = new_label (NULL);
  self->next_step_label = new_label (NULL);
  gtk_box_pack_start (GTK_BOX (texts), self->headline_label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (texts), self->body_label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (texts), self->next_step_label, FALSE, FALSE, 0);

  /* the technical cause, for whoever reads the log: folded */
  self->detail_expander = gtk_expander_new_with_mnemonic (_ ("_Details"));
  self->detail_label = new_label ("dim-label");
  /* selectable, to copy the cause with the mouse, but no tab stop: a
   * read-only value (the log and Save Log have it for the keyboard) */
  gtk_label_set_selectable (GTK_LABEL (self->detail_label), TRUE);
  gtk_widget_set_can_focus (self->detail_label, FALSE);
  gtk_container_add (GTK_CONTAINER (self->detail_expander), self->detail_label);
  gtk_box_pack_start (GTK_BOX (texts), self->detail_expander, FALSE, FALSE, 0);
  atk_object_set_name (gtk_widget_get_accessible (self->detail_expander), _ ("Technical details"));

  gtk_widget_show_all (GTK_WIDGET (self));
  gtk_widget_set_no_show_all (GTK_WIDGET (self), TRUE);
  self->kind = OTA_RESULT_KIND_SUCCESS;
}

static void
ota_result_view_class_init (OtaResultViewClass *klass)
{
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "box");
}

GtkWidget *
ota_result_view_new (void)
{
  return g_object_new (OTA_TYPE_RESULT_VIEW, NULL);
}

#define ACCESSOR(name)                                                                             \
  GtkWidget *ota_result_view_get_##name (OtaResultView *self)                                      \
  {                                                                                                \
    g_return_val_if_fail (OTA_IS_RESULT_VIEW (self), NULL);                                        \
    return self->name;                                                                             \
  }

ACCESSOR (image)
ACCESSOR (headline_label)
ACCESSOR (body_label)
ACCESSOR (next_step_label)
ACCESSOR (detail_expander)
ACCESSOR (detail_label)
