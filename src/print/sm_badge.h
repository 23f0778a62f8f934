/* sm_badge.h - the mark's image on the public site (image/red.png ...,
 * sm_site.c): a rounded plate, a white disc with a five-pointed star, the
 * mark's two lines of text; red for party and government organs, blue for
 * public institutions; grey and struck through for a mark no longer valid.
 * Drawn with cairo and pango, in the helper sitemark-render only. */
#ifndef SM_BADGE_H
#define SM_BADGE_H

#include <stdbool.h>
#include <stdio.h>

#include "sm_err.h"

#define SM_BADGE_WIDTH 110
#define SM_BADGE_HEIGHT 40

/* Write the image (RED or blue, VALID or not) as PNG to OUT. */
sm_status sm_badge_png(bool red, bool valid, FILE *out, sm_err *err);

#endif
