/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --control-stdin: commands on standard input, one per line, handed to the
 * main loop (quit, joined, left). It is also the clean stop where SIGTERM
 * does not exist (Windows). */

#include <glib.h>

#include "emu-device.h"

G_BEGIN_DECLS

/* Starts reading stdin in a thread of its own; every command runs on the
 * default main context while @loop runs. "quit" or the end of the input
 * quits @loop. The reader lives until the process ends. */
void emu_control_start (EmuDevice *device, GMainLoop *loop);

G_END_DECLS
