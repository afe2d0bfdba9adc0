/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-advice.h"

#include "ota-error.h"
#include "ota-event.h"
#include "ota-i18n.h"

#define RECOVERY_SENTENCE                                                                          \
  N_ ("Keep the device powered. Rejoin its Wi-Fi (it may now be an open network called "           \
      "WIFI_OTA_XXXXXX) and flash the same file again: otaflash finishes the upgrade.")
/* The same, for a device that went away (lost power, out of range): telling
 * it to stay powered would be advice about the past. */
#define RECOVERY_LOST_SENTENCE                                                                     \
  N_ ("When the device is on again, rejoin its Wi-Fi (it may now be an open network called "       \
      "WIFI_OTA_XXXXXX) and flash the same file again: otaflash finishes the upgrade.")
/* The table: one row per outcome. Worded for both front-ends: "try again" is
 * running the command again or pressing the button again. */
typedef struct {
  const gchar *id;
  const gchar *status;
  OtaExitCode exit_code;
  const gchar *headline;
  const gchar *summary; /* plain words; the error's facts go to the details */
  const gchar *next_step;
} AdviceRow;

static const AdviceRow advice_table[OTA_OUTCOME_LAST] = {
  [OTA_OUTCOME_SUCCESS] = { "success", "success", OTA_EXIT_SUCCESS, N_ ("Updated"), NULL, NULL },
  [OTA_OUTCOME_NOT_REACHABLE]
  = { "not-reachable", "failed", OTA_EXIT_NOT_REACHABLE, N_ ("Device not found"),
      N_ ("This PC could not reach the device."),
      N_ ("Connect this PC to the device's Wi-Fi network, check the device's address, then try "
          "again.") },
  [OTA_OUTCOME_INVALID_FILE] = { "invalid-file", "failed", OTA_EXIT_INVALID_FILE,
                                 N_ ("File refused"), N_ ("The firmware file cannot be used."),
                                 N_ ("Choose another firmware file; the device was not touched.") },
  [OTA_OUTCOME_REFUSED]
  = { "refused", "failed", OTA_EXIT_REFUSED, N_ ("Device refused"),
      N_ ("The device did not accept the upgrade."),
      N_ ("Close any other app connected to the device, restart the device if needed, then try "
          "again.") },
  [OTA_OUTCOME_NOTHING_TO_DO]
  = { "nothing-to-do", "unchanged", OTA_EXIT_NOTHING_TO_DO, N_ ("Already up to date"),
      N_ ("The device already runs this firmware; nothing was changed."),
      N_ ("Nothing to do: the device already runs this firmware.") },
  [OTA_OUTCOME_FAILED_UNCHANGED]
  = { "failed-unchanged", "failed", OTA_EXIT_FAILED_UNCHANGED, N_ ("Failed — device unchanged"),
      N_ ("The upgrade did not go through; the device still runs its old firmware."),
      N_ ("The device still runs its old firmware. Restart the device and try again.") },
  [OTA_OUTCOME_NEEDS_RECOVERY]
  = { "needs-recovery", "needs-recovery", OTA_EXIT_NEEDS_RECOVERY,
      N_ ("Not finished — recovery needed"),
      N_ ("The upgrade stopped halfway: the device waits in its updater."), RECOVERY_SENTENCE },
  [OTA_OUTCOME_NO_REBOOT]
  = { "no-reboot", "failed", OTA_EXIT_NO_REBOOT, N_ ("Device did not come back"),
      N_ ("The device restarted and did not come back to say how it went."),
      /* the device had said the new firmware was written: only the check is missing */
      N_ ("The device reported that the new firmware was written. Rejoin its Wi-Fi when it is "
          "back and read it (otaflash --cli --info, or the window's device panel) to confirm its "
          "version; flash again only if it waits for stage two.") },
  [OTA_OUTCOME_CANCELLED]
  = { "cancelled", "cancelled", OTA_EXIT_CANCELLED, N_ ("Cancelled — device unchanged"), NULL,
      N_ ("The device was not changed.") },
  [OTA_OUTCOME_WIFI]
  = { "wifi", "failed", OTA_EXIT_WIFI, N_ ("Wi-Fi problem"),
      N_ ("This PC could not join the device's Wi-Fi network."),
      N_ ("Check that the device is on and near this PC and that Wi-Fi is switched on, then try "
          "again.") },
};

const gchar *
ota_advice_event_hint (const OtaEvent *ev)
{
  g_return_val_if_fail (ev != NULL, NULL);
  if (ev->kind == OTA_EVENT_STAGE && ev->state == OTA_STAGE_STATE_START)
    return ev->stage == 1 ? _ ("Asking the device for the upgrade…")
                          : _ ("Connecting to the updater…");
  if (ev->kind != OTA_EVENT_LOG)
    return NULL;
  switch (ev->code)
    {
    case OTA_EVENT_CODE_DEVICE:
      return _ ("Reading the device description…");
    case OTA_EVENT_CODE_CONNECT:
      return _ ("Opening the control channel…");
    case OTA_EVENT_CODE_TRANSFER:
      return _ ("The device is ready and reads the updater from this PC.");
    case OTA_EVENT_CODE_POINT_OF_NO_RETURN:
      return _ ("Point of no return: the device has started writing and cannot go back to its old "
                "firmware until the second stage has finished. Keep it powered and in range.");
    case OTA_EVENT_CODE_REBOOT_WAIT:
      /* otaflash rejoins the device's network itself (Wi-Fi steps) */
      if (ev->network != NULL)
        return ev->stage == 1
                   ? _ ("The device is restarting into its updater; this PC rejoins its "
                        "Wi-Fi as soon as it is back.")
                   : _ ("The device is restarting into the new firmware; this PC rejoins "
                        "its Wi-Fi as soon as it is back.");
      return ev->stage == 1
                 ? _ ("The device is restarting into its updater. If this PC does not rejoin its "
                      "Wi-Fi by itself, join it again: it may now be an open network called "
                      "WIFI_OTA_XXXXXX.")
                 : _ ("The device is restarting into the new firmware. If this PC does not rejoin "
                      "its Wi-Fi by itself, join it again.");
    case OTA_EVENT_CODE_RECOVERY:
      return _ ("The device waits for the second stage: finishing the upgrade with this file.");
    case OTA_EVENT_CODE_CANCEL_TOO_LATE:
      return _ ("Too late to cancel safely: the device passed the point of no return before it "
                "could be told to stop, so the upgrade goes on. Cancel again only if you accept "
                "leaving it in its updater.");
    case OTA_EVENT_CODE_NONE:
    case OTA_EVENT_CODE_CANCEL_CONFIRM:
    case OTA_EVENT_CODE_RETRY:
    case OTA_EVENT_CODE_VERSION_MISMATCH:
    case OTA_EVENT_CODE_APP_ACCESS:
    case OTA_EVENT_CODE_HOLD_PORT:
    case OTA_EVENT_CODE_WIFI:
    case OTA_EVENT_CODE_HISTORY:
    default:
      return NULL;
    }
}

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
      return stranded ? OTA_OUTCOME_NEEDS_RECOVERY : OTA_OUTCOME_INVALID_FILE;
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
    case OTA_ERROR_WIFI:
      /* exit 10 in every state; the next step says what the device needs */
      return OTA_OUTCOME_WIFI;
    case OTA_ERROR_TIMED_OUT:
    case OTA_ERROR_PROTOCOL:
    case OTA_ERROR_DEVICE_ERROR:
    case OTA_ERROR_FAILED:
    default:
      return stranded ? OTA_OUTCOME_NEEDS_RECOVERY : OTA_OUTCOME_FAILED_UNCHANGED;
    }
}

const gchar *
ota_outcome_to_string (OtaOutcome outcome)
{
  g_return_val_if_fail (outcome < OTA_OUTCOME_LAST, "unknown");
  return advice_table[outcome].id;
}

/* The one-line result. The error says what happened; a cancel says what the
 * device is left with. */
static gchar *
result_message (const GError *error, OtaDeviceState state, const gchar *version,
                const gchar *success_message)
{
  if (error == NULL)
    {
      if (success_message != NULL)
        return g_strdup (success_message);
      return g_strdup_printf (_ ("Success: the device restarted and now runs firmware %s."),
                              version != NULL ? version : _ ("(version not reported)"));
    }
  if (ota_error_is_cancelled (error))
    return g_strdup (
        state == OTA_DEVICE_STATE_NEEDS_RECOVERY
            ? _ ("Cancelled after the point of no return: the device is in its updater")
            : _ ("Cancelled; the device is unchanged"));
  return g_strdup (error->message);
}

OtaAdvice *
ota_advice_new (const GError *error, OtaDeviceState state, const gchar *firmware_version,
                const gchar *success_message)
{
  OtaAdvice *advice = g_new0 (OtaAdvice, 1);
  const AdviceRow *row;

  advice->outcome = ota_advice_classify (error, state);
  row = &advice_table[advice->outcome];
  advice->state = state;
  advice->status = row->status;
  advice->exit_code = row->exit_code;
  /* the words in the user's language (English with --json) */
  advice->headline = _ (row->headline);
  advice->summary = row->summary != NULL ? _ (row->summary) : NULL;
  advice->next_step = row->next_step != NULL ? _ (row->next_step) : NULL;
  /* not back between the stages: the device waits in its updater */
  /* the device went away between the stages (power, range): not "keep it
   * powered"; Wi-Fi lost between the stages: it waits for stage two */
  if (advice->outcome == OTA_OUTCOME_NO_REBOOT && state == OTA_DEVICE_STATE_NEEDS_RECOVERY)
    advice->next_step = _ (RECOVERY_LOST_SENTENCE);
  else if (advice->outcome == OTA_OUTCOME_WIFI && state == OTA_DEVICE_STATE_NEEDS_RECOVERY)
    advice->next_step = _ (RECOVERY_SENTENCE);
  /* the Wi-Fi was lost after stage two said the firmware was written */
  else if (advice->outcome == OTA_OUTCOME_WIFI && state == OTA_DEVICE_STATE_UNKNOWN)
    advice->next_step = _ (advice_table[OTA_OUTCOME_NO_REBOOT].next_step);
  if (advice->outcome == OTA_OUTCOME_NEEDS_RECOVERY
      && (g_error_matches (error, OTA_ERROR, OTA_ERROR_NOT_REACHABLE)
          || g_error_matches (error, OTA_ERROR, OTA_ERROR_TIMED_OUT)
          || g_error_matches (error, OTA_ERROR, OTA_ERROR_NO_REBOOT)))
    advice->next_step = _ (RECOVERY_LOST_SENTENCE);
  advice->message = result_message (error, state, firmware_version, success_message);
  advice->firmware_version = g_strdup (firmware_version);
  return advice;
}

void
ota_advice_free (OtaAdvice *advice)
{
  if (advice == NULL)
    return;
  g_free (advice->message);
  g_free (advice->firmware_version);
  g_free (advice);
}

cJSON *
ota_advice_to_json (const OtaAdvice *advice)
{
  cJSON *obj = cJSON_CreateObject ();

  cJSON_AddStringToObject (obj, "event", "result");
  cJSON_AddStringToObject (obj, "status", advice->status);
  ota_json_add_string (obj, "message", advice->message != NULL ? advice->message : "");
  if (advice->next_step != NULL)
    cJSON_AddStringToObject (obj, "next_step", advice->next_step);
  cJSON_AddStringToObject (obj, "device_state", ota_device_state_to_string (advice->state));
  if (advice->firmware_version != NULL)
    ota_json_add_string (obj, "firmware_version", advice->firmware_version);
  cJSON_AddStringToObject (obj, "outcome", ota_outcome_to_string (advice->outcome));
  cJSON_AddNumberToObject (obj, "exit_code", advice->exit_code);
  return obj;
}
