/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-error.h"

G_DEFINE_QUARK (ota-error-quark, ota_error)

gboolean
ota_error_is_cancelled (const GError *error)
{
  return error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

void
ota_error_convert (GError **error)
{
  GError *e;

  if (error == NULL || *error == NULL)
    return;
  e = *error;
  if (e->domain == OTA_ERROR || ota_error_is_cancelled (e))
    return;

  if (e->domain == G_IO_ERROR)
    {
      switch (e->code)
        {
        case G_IO_ERROR_TIMED_OUT:
          e->code = OTA_ERROR_TIMED_OUT;
          break;
        case G_IO_ERROR_CONNECTION_REFUSED:
        case G_IO_ERROR_HOST_NOT_FOUND:
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
        case G_IO_ERROR_PROXY_FAILED:
          e->code = OTA_ERROR_NOT_REACHABLE;
          break;
        case G_IO_ERROR_CONNECTION_CLOSED:
        case G_IO_ERROR_PARTIAL_INPUT:
          e->code = OTA_ERROR_PROTOCOL;
          break;
        case G_IO_ERROR_NOT_FOUND:
        case G_IO_ERROR_IS_DIRECTORY:
        case G_IO_ERROR_PERMISSION_DENIED:
        case G_IO_ERROR_INVALID_DATA:
          e->code = OTA_ERROR_INVALID_FILE;
          break;
        default:
          e->code = OTA_ERROR_FAILED;
          break;
        }
      e->domain = OTA_ERROR;
      return;
    }
  if (e->domain == G_RESOLVER_ERROR)
    {
      e->domain = OTA_ERROR;
      e->code = OTA_ERROR_NOT_REACHABLE;
      return;
    }
  if (e->domain == G_FILE_ERROR)
    {
      e->domain = OTA_ERROR;
      e->code = OTA_ERROR_INVALID_FILE;
      return;
    }
  e->domain = OTA_ERROR;
  e->code = OTA_ERROR_FAILED;
}
