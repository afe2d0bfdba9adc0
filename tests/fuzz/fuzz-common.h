/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the libFuzzer targets: criticals and warnings are crashes (a
 * g_return_if_fail hit by input from the device is a bug), and a small
 * deterministic splitter that cuts the input into the chunks recv() would
 * have returned. */

#include <glib.h>
#include <stdint.h>
#include <stddef.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

static inline void
fuzz_init_glib (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_log_set_fatal_mask (NULL, G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* Chunk lengths from a seed: 1..@max bytes, xorshift32. */
typedef struct {
  guint32 state;
} FuzzSplit;

static inline gsize
fuzz_split_next (FuzzSplit *s, gsize left, gsize max)
{
  gsize n;

  s->state ^= s->state << 13;
  s->state ^= s->state >> 17;
  s->state ^= s->state << 5;
  n = 1 + s->state % max;
  return MIN (n, left);
}
