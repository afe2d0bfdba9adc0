/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-http-server.h"

#include <string.h>

#include "emu-socket.h"
#include "ota-ctp-frame.h" /* autoptr for cJSON */
#include "ota-description.h"

#define MAX_REQUEST 8192
#define REQUEST_TIMEOUT_SECS 30.0
/* --devices: from the confirming description to the unit going away */
#define UNIT_DONE_SECS 0.2

/* The description, compact as on the wire; faults of @stage applied. */
static gchar *
build_description (EmuDevice *dev, gboolean loader, gint stage)
{
  g_autoptr (cJSON) root = cJSON_CreateObject ();
  g_autofree gchar *version = emu_device_dup_installed_version (dev);
  g_autofree gchar *uuid = emu_device_dup_uuid (dev);
  g_autofree EmuFault *dual = emu_device_take_fault (dev, "dual-backup", stage, 0);
  g_autofree EmuFault *no_type = emu_device_take_fault (dev, "desc-no-ota-type", stage, 0);
  g_autofree EmuFault *malformed = emu_device_take_fault (dev, "desc-malformed", stage, 0);
  const gchar *both[] = { "1.0", "2.0" };
  const gchar *zero[] = { "0" };
  cJSON *app_list = cJSON_AddObjectToObject (root, "app_list");
  gchar *text;

  cJSON_AddItemToObject (app_list, "match_android_ver", cJSON_CreateStringArray (both, 2));
  cJSON_AddItemToObject (app_list, "match_ios_ver", cJSON_CreateStringArray (both, 2));
  cJSON_AddItemToObject (root, "forward_support", cJSON_CreateStringArray (zero, 1));
  cJSON_AddItemToObject (root, "behind_support", cJSON_CreateStringArray (zero, 1));
  cJSON_AddStringToObject (root, "device_type", "1");
  cJSON_AddStringToObject (root, "net_type", "1");
  cJSON_AddStringToObject (root, "rts_type", "0");
  cJSON_AddStringToObject (root, "product_type", "AC79x_wifi_camera");
  cJSON_AddStringToObject (root, "support_projection", "0");
  if (no_type == NULL)
    cJSON_AddStringToObject (root, "ota_type", dual != NULL ? "0" : "1");
  cJSON_AddStringToObject (root, "ota_step", loader ? "1" : "0");
  cJSON_AddStringToObject (root, "firmware_version", version);
  cJSON_AddStringToObject (root, "match_app_type", "DVRunning 2");
  cJSON_AddStringToObject (root, "uuid", uuid);
  text = cJSON_PrintUnformatted (root);
  if (malformed != NULL)
    {
      /* Cut off in the middle of a member, as a broken product edit would. */
      gchar *broken = g_strndup (text, strlen (text) / 2);

      cJSON_free (text);
      return broken;
    }
  else
    {
      gchar *copy = g_strdup (text);

      cJSON_free (text);
      return copy;
    }
}

static void
emit_request (EmuDevice *dev, const gchar *method, const gchar *path, guint status, gboolean stub,
              gsize bytes)
{
  cJSON *f = cJSON_CreateObject ();

  if (method != NULL)
    cJSON_AddStringToObject (f, "method", method);
  if (path != NULL)
    cJSON_AddStringToObject (f, "path", path);
  cJSON_AddNumberToObject (f, "status", status);
  cJSON_AddBoolToObject (f, "stub", stub);
  if (stub)
    cJSON_AddNumberToObject (f, "bytes", (gdouble) bytes);
  emu_device_emit (dev, "http-request", f);
}

/* Splits "GET /path HTTP/1.1" out of @text. */
static void
parse_request_line (const gchar *text, gchar **method, gchar **path)
{
  g_autofree gchar *line = NULL;
  const gchar *eol = strstr (text, "\r\n");
  g_auto (GStrv) words = NULL;

  line = eol != NULL ? g_strndup (text, eol - text) : g_strdup (text);
  words = g_strsplit (line, " ", 3);
  *method = words[0] != NULL ? g_strdup (words[0]) : NULL;
  *path = words[0] != NULL && words[1] != NULL ? g_strdup (words[1]) : NULL;
}

static void
serve_main (EmuDevice *dev, GSocket *sock, GCancellable *cancellable)
{
  g_autoptr (GByteArray) req = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + emu_device_timeout_us (dev, REQUEST_TIMEOUT_SECS);
  g_autofree gchar *method = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *body = NULL;
  g_autofree gchar *response = NULL;
  g_autofree EmuFault *not_found = NULL;
  guint8 buf[2048];
  guint status;

  /* Read until the end of the headers. */
  for (;;)
    {
      gsize got = 0;
      EmuIoResult r = emu_socket_recv_some (sock, buf, sizeof buf, deadline, cancellable, &got);

      if (r != EMU_IO_OK)
        return;
      g_byte_array_append (req, buf, (guint) got);
      if (req->len > 4 && g_strstr_len ((const gchar *) req->data, req->len, "\r\n\r\n") != NULL)
        break;
      if (req->len > MAX_REQUEST)
        break;
    }
  g_byte_array_append (req, (const guint8 *) "", 1);
  parse_request_line ((const gchar *) req->data, &method, &path);

  if (g_strcmp0 (method, "GET") == 0 && g_strcmp0 (path, OTA_DESCRIPTION_PATH) == 0)
    not_found = emu_device_take_fault (dev, "http-404", 1, 0);
  if (g_strcmp0 (method, "GET") == 0 && g_strcmp0 (path, OTA_DESCRIPTION_PATH) == 0
      && not_found == NULL)
    {
      status = 200;
      body = build_description (dev, FALSE, 1);
      response
          = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n%s",
                             strlen (body), body);
    }
  else
    {
      status = 404;
      body = g_strdup ("Not Found");
      response
          = g_strdup_printf ("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                             "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n%s",
                             strlen (body), body);
    }
  emit_request (dev, method, path, status, FALSE, 0);
  emu_socket_send_all (sock, response, strlen (response), cancellable);
  g_socket_shutdown (sock, FALSE, TRUE, NULL);
  /* --devices: the app read the new firmware's description: this unit is
   * confirmed, the technician takes it away and puts the next one down */
  if (status == 200 && emu_device_get_unit_installed (dev))
    emu_device_unit_over (dev, UNIT_DONE_SECS, "upgraded");
}

/* The loader's stub: the same fixed response to every segment, never a
 * close; the first answer counts as "description fetched". */
static void
serve_stub (EmuDevice *dev, GSocket *sock, GCancellable *cancellable)
{
  guint8 buf[2048];

  for (;;)
    {
      g_autofree gchar *method = NULL;
      g_autofree gchar *path = NULL;
      g_autofree gchar *text = NULL;
      g_autofree gchar *body = NULL;
      g_autofree gchar *response = NULL;
      g_autofree EmuFault *not_found = NULL;
      gsize got = 0;
      EmuIoResult r = emu_socket_recv_some (sock, buf, sizeof buf, -1, cancellable, &got);

      if (r != EMU_IO_OK)
        return;
      text = g_strndup ((const gchar *) buf, got);
      parse_request_line (text, &method, &path);
      not_found = emu_device_take_fault (dev, "http-404", 2, 0);
      if (not_found != NULL)
        {
          response = g_strdup (
              "HTTP/1.1 404 Not Found\r\nContent-Type:text\r\nContent-Length:0\r\n\r\n");
          emit_request (dev, method, path, 404, TRUE, got);
        }
      else
        {
          body = build_description (dev, TRUE, 2);
          /* No space after the colons, as the loader writes it. */
          response = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type:text\r\n"
                                      "Content-Length:%" G_GSIZE_FORMAT "\r\n\r\n%s",
                                      strlen (body), body);
          emit_request (dev, method, path, 200, TRUE, got);
        }
      /* Marked before the answer leaves: an app may connect to 3335 the
       * moment it has read it. */
      if (not_found == NULL)
        emu_device_set_description_fetched (dev);
      if (emu_socket_send_all (sock, response, strlen (response), cancellable) != EMU_IO_OK)
        return;
    }
}

void
emu_http_server_serve (EmuDevice *dev, GSocket *sock, GCancellable *cancellable)
{
  if (emu_device_get_mode (dev) == EMU_MODE_LOADER)
    serve_stub (dev, sock, cancellable);
  else
    serve_main (dev, sock, cancellable);
  emu_socket_close (sock);
  g_object_unref (sock);
}
