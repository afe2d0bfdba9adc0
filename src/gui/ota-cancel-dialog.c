/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-cancel-dialog.h"

#include "ota-gui.h"

struct _OtaCancelDialog {
  GtkDialog parent_instance;

  GtkWidget *keep_going_button;
  GtkWidget *cancel_anyway_button;
};

G_DEFINE_TYPE (OtaCancelDialog, ota_cancel_dialog, GTK_TYPE_DIALOG)

static void
ota_cancel_dialog_class_init (OtaCancelDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  ota_gui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/otaflash/Otaflash/ota-cancel-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OtaCancelDialog, keep_going_button);
  gtk_widget_class_bind_template_child (widget_class, OtaCancelDialog, cancel_anyway_button);
}

static void
ota_cancel_dialog_init (OtaCancelDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* the safe answer is the default one: Enter keeps the upgrade going */
  gtk_dialog_set_default_response (GTK_DIALOG (self), GTK_RESPONSE_CANCEL);
  gtk_widget_grab_focus (self->keep_going_button);
}

GtkWidget *
ota_cancel_dialog_new (GtkWindow *parent)
{
  return g_object_new (OTA_TYPE_CANCEL_DIALOG, "transient-for", parent, "use-header-bar", FALSE,
                       NULL);
}

GtkWidget *
ota_cancel_dialog_get_keep_going_button (OtaCancelDialog *self)
{
  g_return_val_if_fail (OTA_IS_CANCEL_DIALOG (self), NULL);
  return self->keep_going_button;
}

GtkWidget *
ota_cancel_dialog_get_cancel_anyway_button (OtaCancelDialog *self)
{
  g_return_val_if_fail (OTA_IS_CANCEL_DIALOG (self), NULL);
  return self->cancel_anyway_button;
}
