/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-error.h"

G_DEFINE_QUARK (ota - error - quark, ota_error)

gboolean
ota_error_is_cancelled (const GError *error)
{
  return error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static gint
convert_code (const GError *e)
{
  if (e->domain == G_IO_ERROR)
    {
      switch (e->code)
        {
        case G_IO_ERROR_TIMED_OUT:
          return OTA_ERROR_TIMED_OUT;
        case G_IO_ERROR_CONNECTION_REFUSED:
        case G_IO_ERROR_HOST_NOT_FOUND:
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
        case G_IO_ERROR_PROXY_FAILED:
          return OTA_ERROR_NOT_REACHABLE;
        case G_IO_ERROR_CONNECTION_CLOSED:
        case G_IO_ERROR_PARTIAL_INPUT:
          return OTA_ERROR_PROTOCOL;
        case G_IO_ERROR_NOT_FOUND:
        case G_IO_ERROR_IS_DIRECTORY:
        case G_IO_ERROR_PERMISSION_DENIED:
        case G_IO_ERROR_INVALID_DATA:
          return OTA_ERROR_INVALID_FILE;
        default:
          return OTA_ERROR_FAILED;
        }
    }
  if (e->domain == G_RESOLVER_ERROR)
    return OTA_ERROR_NOT_REACHABLE;
  if (e->domain == G_FILE_ERROR)
    return OTA_ERROR_INVALID_FILE;
  return OTA_ERROR_FAILED;
}

void
ota_error_convert (GError **error)
{
  GError *converted;

  if (error == NULL || *error == NULL)
    return;
  if ((*error)->domain == OTA_ERROR || ota_error_is_cancelled (*error))
    return;
  /* a new error, never the old one edited in place */
  converted = g_error_new_literal (OTA_ERROR, convert_code (*error), (*error)->message);
  g_error_free (*error);
  *error = converted;
}
