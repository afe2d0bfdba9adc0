/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-advice.h"

#include "ota-error.h"

OtaOutcome
ota_advice_classify (const GError *error, OtaDeviceState state)
{
  gboolean stranded = state == OTA_DEVICE_STATE_NEEDS_RECOVERY;

  if (error == NULL)
    return OTA_OUTCOME_SUCCESS;
  if (ota_error_is_cancelled (error))
    return stranded ? OTA_OUTCOME_NEEDS_RECOVERY : OTA_OUTCOME_CANCELLED;
  if (error->domain != OTA_ERROR)
    return stranded ? OTA_OUTCOME_NEEDS_RECOVERY : OTA_OUTCOME_FAILED_UNCHANGED;
  switch ((OtaError) error->code)
    {
    case OTA_ERROR_INVALID_FILE:
      return OTA_OUTCOME_INVALID_FILE;
    case OTA_ERROR_NOT_REACHABLE:
      return stranded ? OTA_OUTCOME_NEEDS_RECOVERY : OTA_OUTCOME_NOT_REACHABLE;
    case OTA_ERROR_REFUSED:
    case OTA_ERROR_NOT_SUPPORTED:
      return stranded ? OTA_OUTCOME_NEEDS_RECOVERY : OTA_OUTCOME_REFUSED;
    case OTA_ERROR_NOTHING_TO_DO:
      return OTA_OUTCOME_NOTHING_TO_DO;
    case OTA_ERROR_NEEDS_RECOVERY:
      return OTA_OUTCOME_NEEDS_RECOVERY;
    case OTA_ERROR_NO_REBOOT:
      return OTA_OUTCOME_NO_REBOOT;
    case OTA_ERROR_TIMED_OUT:
    case OTA_ERROR_PROTOCOL:
    case OTA_ERROR_DEVICE_ERROR:
    case OTA_ERROR_FAILED:
    default:
      return stranded ? OTA_OUTCOME_NEEDS_RECOVERY : OTA_OUTCOME_FAILED_UNCHANGED;
    }
}

const gchar *
ota_outcome_to_status (OtaOutcome outcome)
{
  switch (outcome)
    {
    case OTA_OUTCOME_SUCCESS:
      return "success";
    case OTA_OUTCOME_NOTHING_TO_DO:
      return "unchanged";
    case OTA_OUTCOME_NEEDS_RECOVERY:
      return "needs-recovery";
    case OTA_OUTCOME_CANCELLED:
      return "cancelled";
    case OTA_OUTCOME_NOT_REACHABLE:
    case OTA_OUTCOME_INVALID_FILE:
    case OTA_OUTCOME_REFUSED:
    case OTA_OUTCOME_FAILED_UNCHANGED:
    case OTA_OUTCOME_NO_REBOOT:
    default:
      return "failed";
    }
}

/* Worded for both front-ends: "try again" is running the command again or
 * pressing the button again. */
const gchar *
ota_advice_next_step (const GError *error, OtaDeviceState state)
{
  switch (ota_advice_classify (error, state))
    {
    case OTA_OUTCOME_NOT_REACHABLE:
      return "Connect this PC to the device's Wi-Fi network, check the device's address, then "
             "try again.";
    case OTA_OUTCOME_INVALID_FILE:
      return "Choose another firmware file; the device was not touched.";
    case OTA_OUTCOME_REFUSED:
      return "Close any other app connected to the device, restart the device if needed, then "
             "try again.";
    case OTA_OUTCOME_NOTHING_TO_DO:
      return "Nothing to do: the device already runs this firmware.";
    case OTA_OUTCOME_FAILED_UNCHANGED:
      return "The device still runs its old firmware. Reset the device and try again.";
    case OTA_OUTCOME_NEEDS_RECOVERY:
      return "Do not power the device off. Rejoin its Wi-Fi (it may now be an open network "
             "called WIFI_OTA_XXXXXX) and flash the same file again to finish the upgrade.";
    case OTA_OUTCOME_NO_REBOOT:
      if (state != OTA_DEVICE_STATE_NEEDS_RECOVERY)
        /* after stage two said OK: the firmware is written, only the check is missing */
        return "The device reported that the new firmware was written. Rejoin its Wi-Fi when it "
               "is back and read it (otaflash --cli --info, or the window's device panel) to "
               "confirm its version; flash again only if it waits for stage two.";
      return "Rejoin the device's Wi-Fi (it may be called WIFI_OTA_XXXXXX) and flash the same "
             "file again: otaflash recognises a device waiting for stage two and finishes it.";
    case OTA_OUTCOME_CANCELLED:
      return "The device was not changed.";
    case OTA_OUTCOME_SUCCESS:
    default:
      return NULL;
    }
}

gchar *
ota_advice_message (const GError *error, OtaDeviceState state, const gchar *new_version)
{
  if (error == NULL)
    return g_strdup_printf ("Success: the device restarted and now runs firmware %s.",
                            new_version != NULL ? new_version : "(version not reported)");
  if (ota_error_is_cancelled (error))
    return g_strdup (state == OTA_DEVICE_STATE_NEEDS_RECOVERY
                         ? "Cancelled after the point of no return: the device is in its updater"
                         : "Cancelled; the device is unchanged");
  return g_strdup (error->message);
}

cJSON *
ota_advice_result_to_json (const GError *error, OtaDeviceState state, const gchar *message,
                           const gchar *firmware_version)
{
  OtaOutcome outcome = ota_advice_classify (error, state);
  const gchar *hint = ota_advice_next_step (error, state);
  cJSON *obj = cJSON_CreateObject ();

  cJSON_AddStringToObject (obj, "event", "result");
  cJSON_AddStringToObject (obj, "status", ota_outcome_to_status (outcome));
  cJSON_AddStringToObject (obj, "message", message != NULL ? message : "");
  if (hint != NULL)
    cJSON_AddStringToObject (obj, "next_step", hint);
  cJSON_AddStringToObject (obj, "device_state", ota_device_state_to_string (state));
  if (firmware_version != NULL)
    cJSON_AddStringToObject (obj, "firmware_version", firmware_version);
  return obj;
}
