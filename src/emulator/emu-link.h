/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The link model of the benchmarks: what each READ costs on a real Wi-Fi
 * link and a real flash chip. Each call returns the delay the emulator must
 * add now and adds it to the time an ideal app (zero overhead) would need. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gdouble bandwidth;     /* bytes/s on the link; 0: no limit */
  gdouble latency_s;     /* one-way latency */
  gdouble flash_rate;    /* bytes/s written to flash; 0: instant */
  gdouble erase_pause_s; /* pause of each erase (stage two) */
  guint64 erase_every;   /* bytes between erase pauses */
} EmuLinkModel;

typedef struct {
  EmuLinkModel model;
  gdouble ideal_s;
  guint64 erase_counted; /* bytes already charged for erases */
} EmuLink;

void emu_link_init (EmuLink *self, const EmuLinkModel *model);
/* A READ request travelling to the app. */
gdouble emu_link_request (EmuLink *self);
/* An answer of @frame_bytes travelling back, then @flash_bytes written. */
gdouble emu_link_answer (EmuLink *self, guint64 frame_bytes, guint64 flash_bytes);
/* Erase pauses due once @written bytes of the image are written. */
gdouble emu_link_erase (EmuLink *self, guint64 written);
/* A pause of the device itself (idle, fault gap): part of the ideal time. */
void emu_link_device_pause (EmuLink *self, gdouble seconds);

G_END_DECLS
