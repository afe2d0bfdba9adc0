/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

#include <string.h>

#include "ota-description.h"
#include "ota-error.h"

/* protocol.md section 3, compact as on the wire */
static const gchar *example
    = "{\"app_list\":{\"match_android_ver\":[\"1.0\",\"2.0\"],\"match_ios_ver\":[\"1.0\",\"2.0\"]},"
      "\"forward_support\":[\"0\"],\"behind_support\":[\"0\"],\"device_type\":\"1\",\"net_type\":"
      "\"1\","
      "\"rts_type\":\"0\",\"product_type\":\"AC79x_wifi_camera\",\"support_projection\":\"0\","
      "\"ota_type\":\"1\",\"ota_step\":\"0\",\"firmware_version\":\"1.0.1\","
      "\"match_app_type\":\"DVRunning 2\",\"uuid\":\"xxxxxx\"}";

static OtaDescription *
parse (const gchar *json, GError **error)
{
  return ota_description_parse (json, strlen (json), error);
}

static void
test_example (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = parse (example, &error);
  g_autoptr (OtaDescription) copy = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (desc);
  g_assert_cmpstr (desc->ota_type, ==, "1");
  g_assert_cmpstr (desc->ota_step, ==, "0");
  g_assert_cmpstr (desc->firmware_version, ==, "1.0.1");
  g_assert_cmpstr (desc->product_type, ==, "AC79x_wifi_camera");
  g_assert_cmpstr (desc->uuid, ==, "xxxxxx");
  g_assert_cmpstr (desc->match_app_type, ==, "DVRunning 2");
  g_assert_cmpstr (desc->raw_json, ==, example);
  g_assert_true (ota_description_is_single_backup (desc));
  g_assert_false (ota_description_needs_stage_two (desc));

  copy = ota_description_copy (desc);
  g_assert_true (copy != desc);
  g_assert_true (copy->ota_type != desc->ota_type);
  g_assert_cmpstr (copy->ota_type, ==, "1");
  g_assert_cmpstr (copy->ota_step, ==, "0");
  g_assert_cmpstr (copy->firmware_version, ==, "1.0.1");
  g_assert_cmpstr (copy->product_type, ==, "AC79x_wifi_camera");
  g_assert_cmpstr (copy->uuid, ==, "xxxxxx");
  g_assert_cmpstr (copy->match_app_type, ==, "DVRunning 2");
  g_assert_cmpstr (copy->raw_json, ==, example);
}

static void
test_loader_pretty (void)
{
  /* any field order, whitespace, a trailing newline, stage two pending */
  const gchar *json = "{\n  \"uuid\": \"ab\",\n  \"ota_step\": \"1\",\n  \"ota_type\": \"1\"\n}\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = parse (json, &error);

  g_assert_no_error (error);
  g_assert_true (ota_description_is_single_backup (desc));
  g_assert_true (ota_description_needs_stage_two (desc));
  g_assert_null (desc->firmware_version);
  g_assert_null (desc->product_type);
}

static void
test_missing_ota_type (void)
{
  const gchar *json = "{\"ota_step\":\"0\",\"firmware_version\":\"1.0.0\"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = parse (json, &error);

  g_assert_no_error (error);
  g_assert_null (desc->ota_type);
  /* absent means dual backup */
  g_assert_false (ota_description_is_single_backup (desc));
  g_assert_cmpstr (desc->firmware_version, ==, "1.0.0");
}

static void
test_dual_backup (void)
{
  const gchar *json = "{\"ota_type\":\"0\",\"ota_step\":\"0\"}";
  g_autoptr (OtaDescription) desc = parse (json, NULL);

  g_assert_cmpstr (desc->ota_type, ==, "0");
  g_assert_false (ota_description_is_single_backup (desc));
}

static void
test_non_string_values (void)
{
  const gchar *json = "{\"ota_type\":1,\"ota_step\":0,\"firmware_version\":2.5,"
                      "\"uuid\":[\"x\"],\"product_type\":null,\"match_app_type\":true}";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = parse (json, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (desc->ota_type, ==, "1");
  g_assert_cmpstr (desc->ota_step, ==, "0");
  g_assert_cmpstr (desc->firmware_version, ==, "2.5");
  g_assert_null (desc->uuid);
  g_assert_null (desc->product_type);
  g_assert_null (desc->match_app_type);
  g_assert_true (ota_description_is_single_backup (desc));
}

static void
assert_refused (const gchar *json, gsize len, const gchar *expect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = ota_description_parse (json, len, &error);

  g_assert_null (desc);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  if (strstr (error->message, expect) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, expect);
}

static void
test_malformed (void)
{
  const gchar *s;

  s = "{\"ota_type\":\"1\",";
  assert_refused (s, strlen (s), "not valid JSON");
  s = "{\"ota_type\":\"1\"} {}";
  assert_refused (s, strlen (s), "after the JSON");
  s = "[\"ota_type\",\"1\"]";
  assert_refused (s, strlen (s), "not a JSON object");
  s = "\"1\"";
  assert_refused (s, strlen (s), "not a JSON object");
  s = "<html>404</html>";
  assert_refused (s, strlen (s), "not valid JSON");
  assert_refused ("", 0, "empty");
}

static void
test_nul (void)
{
  static const gchar trailing[] = "{\"ota_type\":\"1\"}\0\0\0";
  static const gchar inside[] = "{\"ota_type\":\"1\0\"}";

  assert_refused (trailing, sizeof trailing - 1, "NUL");
  assert_refused (inside, sizeof inside - 1, "NUL");
}

static void
test_length_honoured (void)
{
  /* only @len bytes are parsed: no NUL terminator needed */
  const gchar *buf = "{\"ota_type\":\"1\"}XXXX";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = ota_description_parse (buf, 16, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (desc->ota_type, ==, "1");
  g_assert_cmpstr (desc->raw_json, ==, "{\"ota_type\":\"1\"}");
}

/* \u0000 inside a value: marked with U+FFFD, never silently cut. */
static void
test_nul_escape (void)
{
  const gchar *json = "{\"ota_type\":\"1\\u0000\",\"ota_step\":\"0\","
                      "\"firmware_version\":\"1.0.1\\u0000 evil\",\"uuid\":\"a\\\\u0000b\"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = parse (json, &error);
  g_autoptr (cJSON) echo = NULL;
  const cJSON *fv;

  g_assert_no_error (error);
  g_assert_cmpuint (desc->nul_escapes, ==, 2);
  g_assert_cmpstr (desc->firmware_version, ==, "1.0.1\xef\xbf\xbd evil");
  /* "1" and a NUL is not "1": not silently a single-backup device */
  g_assert_cmpstr (desc->ota_type, ==, "1\xef\xbf\xbd");
  g_assert_false (ota_description_is_single_backup (desc));
  /* an escaped backslash followed by u0000 is text, left alone */
  g_assert_cmpstr (desc->uuid, ==, "a\\u0000b");
  /* the echo shows the mark too */
  echo = ota_description_dup_json (desc, OTA_DESCRIPTION_ECHO_DEPTH);
  fv = cJSON_GetObjectItemCaseSensitive (echo, "firmware_version");
  g_assert_cmpstr (cJSON_GetStringValue (fv), ==, "1.0.1\xef\xbf\xbd evil");
}

/* A field of the wrong type is reported as what it is, not as missing. */
static void
test_describe_field (void)
{
  const gchar *json = "{\"ota_type\":true,\"ota_step\":0,\"uuid\":[\"x\"],"
                      "\"product_type\":null,\"match_app_type\":{\"a\":{\"b\":{\"c\":1}}},"
                      "\"firmware_version\":\" 1.0.1 \"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = parse (json, &error);
  const struct {
    const gchar *key;
    const gchar *shown;
  } cases[] = {
    { "ota_type", "true (not a string)" },
    { "ota_step", "0" },
    { "uuid", "[\"x\"] (a list)" },
    { "product_type", "null (not a string)" },
    { "match_app_type", "{\"a\":{\"b\":\"(nested deeper than 2 levels)\"}} (an object)" },
    { "firmware_version", "1.0.1" },
    { "nothing", "missing" },
  };

  g_assert_no_error (error);
  g_assert_null (desc->ota_type);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *shown = ota_description_describe_field (desc, cases[i].key);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }

  /* for a message: made inert, whatever the device put in it */
  {
    const gchar *hostile = "{\"ota_type\":\"0\\u001b[2J\\r\\nSuccess\"}";
    g_autoptr (OtaDescription) d2 = parse (hostile, &error);
    g_autofree gchar *shown = ota_description_describe_field (d2, "ota_type");

    g_assert_no_error (error);
    g_assert_cmpstr (shown, ==, "0\xe2\x90\x9b[2J\xe2\x90\x8d\xe2\x90\x8aSuccess");
  }
}

static guint
json_depth (const cJSON *item)
{
  guint deepest = 0;

  if (!cJSON_IsArray (item) && !cJSON_IsObject (item))
    return 0;
  for (const cJSON *c = item->child; c != NULL; c = c->next)
    deepest = MAX (deepest, json_depth (c));
  return deepest + 1;
}

/* A hostile nesting (as deep as the parser takes) is echoed at most
 * OTA_DESCRIPTION_ECHO_DEPTH levels deep, its known fields still read. */
static void
test_echo_depth (void)
{
  g_autoptr (GString) json = g_string_new ("{\"ota_type\":\"1\",\"ota_step\":\"0\",\"x\":");
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  g_autoptr (cJSON) echo = NULL;
  g_autofree char *printed = NULL;
  const cJSON *deepest;

  for (guint i = 0; i < 900; i++)
    g_string_append_c (json, '[');
  for (guint i = 0; i < 900; i++)
    g_string_append_c (json, ']');
  g_string_append_c (json, '}');
  desc = ota_description_parse (json->str, json->len, &error);
  g_assert_no_error (error);
  g_assert_true (ota_description_is_single_backup (desc));

  echo = ota_description_dup_json (desc, OTA_DESCRIPTION_ECHO_DEPTH);
  g_assert_nonnull (echo);
  g_assert_cmpuint (json_depth (echo), ==, OTA_DESCRIPTION_ECHO_DEPTH);
  g_assert_cmpstr (cJSON_GetStringValue (cJSON_GetObjectItemCaseSensitive (echo, "ota_type")), ==,
                   "1");
  /* formatted, it stays small */
  printed = cJSON_Print (echo);
  g_assert_cmpuint (strlen (printed), <, 1024);
  deepest = cJSON_GetObjectItemCaseSensitive (echo, "x");
  for (guint i = 2; i < OTA_DESCRIPTION_ECHO_DEPTH; i++)
    deepest = deepest->child;
  g_assert_cmpstr (cJSON_GetStringValue (deepest->child), ==, "(nested deeper than 8 levels)");

  /* the plain document comes back whole */
  {
    const gchar *plain
        = "{\"app_list\":{\"match_android_ver\":[\"1.0\",\"2.0\"]},\"ota_type\":\"1\"}";
    g_autoptr (OtaDescription) d2 = parse (plain, &error);
    g_autoptr (cJSON) e2 = ota_description_dup_json (d2, OTA_DESCRIPTION_ECHO_DEPTH);
    g_autofree char *p2 = cJSON_PrintUnformatted (e2);

    g_assert_cmpstr (p2, ==, plain);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ota/description/protocol-example", test_example);
  g_test_add_func ("/ota/description/loader-pretty", test_loader_pretty);
  g_test_add_func ("/ota/description/missing-ota-type", test_missing_ota_type);
  g_test_add_func ("/ota/description/dual-backup", test_dual_backup);
  g_test_add_func ("/ota/description/non-string-values", test_non_string_values);
  g_test_add_func ("/ota/description/malformed", test_malformed);
  g_test_add_func ("/ota/description/nul", test_nul);
  g_test_add_func ("/ota/description/length-honoured", test_length_honoured);
  g_test_add_func ("/ota/description/nul-escape", test_nul_escape);
  g_test_add_func ("/ota/description/describe-field", test_describe_field);
  g_test_add_func ("/ota/description/echo-depth", test_echo_depth);
  return g_test_run ();
}
