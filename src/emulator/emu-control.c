/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-control.h"

#include <stdio.h>
#include <string.h>

#define MAX_LINE 256

typedef struct {
  EmuDevice *device;
  GMainLoop *loop;
} Control;

typedef struct {
  Control *control;
  gchar *line; /* NULL: the end of the input */
} Command;

static void
command_free (gpointer data)
{
  Command *cmd = data;

  g_free (cmd->line);
  g_free (cmd);
}

static void
emit_control (EmuDevice *device, const gchar *command, gboolean known)
{
  cJSON *f = cJSON_CreateObject ();

  cJSON_AddStringToObject (f, "command", command);
  if (!known)
    cJSON_AddBoolToObject (f, "known", FALSE);
  emu_device_emit (device, "control", f);
}

/* Runs on the main loop: the device exists as long as the loop runs. */
static gboolean
command_cb (gpointer data)
{
  Command *cmd = data;
  Control *control = cmd->control;

  if (!g_main_loop_is_running (control->loop))
    return G_SOURCE_REMOVE;
  if (cmd->line == NULL)
    {
      emit_control (control->device, "end-of-input", TRUE);
      g_main_loop_quit (control->loop);
    }
  else if (g_str_equal (cmd->line, "quit"))
    {
      emit_control (control->device, "quit", TRUE);
      g_main_loop_quit (control->loop);
    }
  else if (g_str_equal (cmd->line, "joined") || g_str_equal (cmd->line, "left"))
    {
      emit_control (control->device, cmd->line, TRUE);
      emu_device_set_joined (control->device, g_str_equal (cmd->line, "joined"));
    }
  else if (g_str_equal (cmd->line, "next"))
    {
      emit_control (control->device, "next", TRUE);
      emu_device_unit_over (control->device, 0, "next");
    }
  else if (cmd->line[0] != '\0')
    {
      g_autofree gchar *safe = g_strescape (cmd->line, NULL);

      g_printerr (
          "otaflash-emu: unknown command \"%s\" on standard input (quit, joined, left, next)\n",
          safe);
      emit_control (control->device, safe, FALSE);
    }
  return G_SOURCE_REMOVE;
}

static void
post (Control *control, gchar *line)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->control = control;
  cmd->line = line;
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, command_cb, cmd, command_free);
}

static gpointer
reader_main (gpointer data)
{
  Control *control = data;
  gchar buf[MAX_LINE];

  /* Blocking reads in a thread of their own: the same code for a pipe, a
   * terminal or a file, on every platform. */
  while (fgets (buf, sizeof buf, stdin) != NULL)
    {
      gchar *line = g_strstrip (g_strdup (buf));

      post (control, line);
    }
  post (control, NULL);
  return NULL;
}

/* The reader and its commands may outlive main()'s objects by a moment
 * (a line arriving while the process exits): they only touch them through
 * the main loop, which no longer runs then. */
static Control control_instance;

void
emu_control_start (EmuDevice *device, GMainLoop *loop)
{
  control_instance.device = device;
  control_instance.loop = g_main_loop_ref (loop);
  g_thread_unref (g_thread_new ("emu-control", reader_main, &control_instance));
}
