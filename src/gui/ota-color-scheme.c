/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-color-scheme.h"

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_SETTINGS "org.freedesktop.portal.Settings"
#define APPEARANCE "org.freedesktop.appearance"
#define COLOR_SCHEME_KEY "color-scheme"

/* the portal's values */
enum {
  SCHEME_NO_PREFERENCE = 0,
  SCHEME_PREFER_DARK = 1,
  SCHEME_PREFER_LIGHT = 2,
};

struct _OtaColorScheme {
  GObject parent_instance;

  GtkSettings *settings;
  gboolean startup_dark; /* what "no preference" goes back to */
  gboolean applied;      /* the property holds a value we set */
  gboolean busy;
  gboolean tried_read; /* ReadOne was unknown: Read asked */
  GCancellable *cancellable;
  GDBusConnection *connection;
  guint changed_id; /* SettingChanged subscription */
};

G_DEFINE_TYPE (OtaColorScheme, ota_color_scheme, G_TYPE_OBJECT)

static void
set_dark (OtaColorScheme *self, gboolean dark)
{
  gboolean current = FALSE;

  g_object_get (self->settings, "gtk-application-prefer-dark-theme", &current, NULL);
  /* setting it reloads the theme: only when it changes */
  if (current != dark)
    g_object_set (self->settings, "gtk-application-prefer-dark-theme", dark, NULL);
}

/* @value: the setting as the portal sent it; Read wraps it in a second
 * variant, ReadOne and SettingChanged in one. */
static void
apply (OtaColorScheme *self, GVariant *value)
{
  g_autoptr (GVariant) inner = g_variant_ref (value);
  guint32 scheme;

  while (g_variant_is_of_type (inner, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *unwrapped = g_variant_get_variant (inner);

      g_variant_unref (inner);
      inner = unwrapped;
    }
  if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_UINT32))
    {
      g_debug ("color scheme: ignoring a value of type %s", g_variant_get_type_string (inner));
      return;
    }
  scheme = g_variant_get_uint32 (inner);
  g_debug ("color scheme: the desktop says %u", scheme);
  switch (scheme)
    {
    case SCHEME_PREFER_DARK:
    case SCHEME_PREFER_LIGHT:
      set_dark (self, scheme == SCHEME_PREFER_DARK);
      self->applied = TRUE;
      break;
    case SCHEME_NO_PREFERENCE:
      /* the theme's or the user's own default, as before we touched it */
      if (self->applied)
        set_dark (self, self->startup_dark);
      self->applied = FALSE;
      break;
    default:
      /* a value from a newer specification: leave things as they are */
      break;
    }
}

static void
setting_changed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                    const gchar *interface, const gchar *signal, GVariant *parameters,
                    gpointer user_data)
{
  OtaColorScheme *self = OTA_COLOR_SCHEME (user_data);
  const gchar *namespace_ = NULL;
  const gchar *key = NULL;
  g_autoptr (GVariant) value = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssv)")))
    return;
  g_variant_get (parameters, "(&s&sv)", &namespace_, &key, &value);
  if (g_strcmp0 (namespace_, APPEARANCE) == 0 && g_strcmp0 (key, COLOR_SCHEME_KEY) == 0)
    apply (self, value);
}

/* The reply to ReadOne, or to Read when the portal has no ReadOne: both are
 * "(v)" (Read's variant wraps once more, which apply() unwraps). */
static void
read_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  OtaColorScheme *self;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  /* cancelled in dispose: @user_data may be gone */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = OTA_COLOR_SCHEME (user_data);
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) && !self->tried_read)
    {
      /* a portal older than 1.15.0: only the deprecated Read */
      g_debug ("color scheme: no ReadOne, trying Read");
      self->tried_read = TRUE;
      g_dbus_connection_call (
          self->connection, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, PORTAL_SETTINGS, "Read",
          g_variant_new ("(ss)", APPEARANCE, COLOR_SCHEME_KEY), G_VARIANT_TYPE ("(v)"),
          G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, read_done_cb, self);
      return;
    }
  self->busy = FALSE;
  if (reply == NULL)
    {
      g_debug ("color scheme: cannot read it from the settings portal: %s", error->message);
      return;
    }
  g_variant_get (reply, "(v)", &value);
  apply (self, value);
}

static void
bus_got_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) connection = g_bus_get_finish (res, &error);
  OtaColorScheme *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = OTA_COLOR_SCHEME (user_data);
  if (connection == NULL)
    {
      self->busy = FALSE;
      g_debug ("color scheme: no session bus: %s", error->message);
      return;
    }
  self->connection = g_steal_pointer (&connection);
  /* subscribed before the read: a change in between is not missed, and
   * the bus delivers the reply and the signals in the order they were sent */
  self->changed_id = g_dbus_connection_signal_subscribe (
      self->connection, PORTAL_BUS_NAME, PORTAL_SETTINGS, "SettingChanged", PORTAL_OBJECT_PATH,
      APPEARANCE, G_DBUS_SIGNAL_FLAGS_NONE, setting_changed_cb, self, NULL);
  g_dbus_connection_call (self->connection, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, PORTAL_SETTINGS,
                          "ReadOne", g_variant_new ("(ss)", APPEARANCE, COLOR_SCHEME_KEY),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                          read_done_cb, self);
}

gboolean
ota_color_scheme_is_busy (OtaColorScheme *self)
{
  g_return_val_if_fail (OTA_IS_COLOR_SCHEME (self), FALSE);
  return self->busy;
}

static void
ota_color_scheme_dispose (GObject *object)
{
  OtaColorScheme *self = OTA_COLOR_SCHEME (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection != NULL && self->changed_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->changed_id);
  self->changed_id = 0;
  g_clear_object (&self->connection);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ota_color_scheme_parent_class)->dispose (object);
}

static void
ota_color_scheme_class_init (OtaColorSchemeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ota_color_scheme_dispose;
}

static void
ota_color_scheme_init (OtaColorScheme *self)
{
  self->cancellable = g_cancellable_new ();
}

OtaColorScheme *
ota_color_scheme_new (GtkSettings *settings)
{
  OtaColorScheme *self;
  const gchar *theme = g_getenv ("GTK_THEME");

  g_return_val_if_fail (GTK_IS_SETTINGS (settings), NULL);

  self = g_object_new (OTA_TYPE_COLOR_SCHEME, NULL);
  self->settings = g_object_ref (settings);
  g_object_get (settings, "gtk-application-prefer-dark-theme", &self->startup_dark, NULL);
  /* as GTK reads it: set and not empty */
  if (theme != NULL && *theme != '\0')
    {
      g_debug ("color scheme: GTK_THEME=%s, not following the desktop", theme);
      return self;
    }
  self->busy = TRUE;
  g_bus_get (G_BUS_TYPE_SESSION, self->cancellable, bus_got_cb, self);
  return self;
}
