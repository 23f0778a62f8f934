/* sm_badge.c - the mark's image (sm_badge.h), drawn by sitemark-render. */
#include <config.h>

#include "sm_badge.h"

#include <math.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "sm_i18n.h"

static cairo_status_t
png_collect(void *closure, const unsigned char *data, unsigned int length)
{
	return fwrite(data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

static void
draw_text(cairo_t *cr, const char *font, const char *text, double x, double y, double w)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	pango_layout_set_font_description(layout, fd);
	pango_layout_set_text(layout, text, -1);
	pango_layout_set_width(layout, (int)(w * PANGO_SCALE));
	pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, layout);
	pango_font_description_free(fd);
	g_object_unref(layout);
}

sm_status
sm_badge_png(bool red, bool valid, FILE *out, sm_err *err)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, SM_BADGE_WIDTH, SM_BADGE_HEIGHT);
	cairo_t *cr = cairo_create(s);
	double r = red ? 0.78 : 0.12, g = red ? 0.09 : 0.35, b = red ? 0.11 : 0.66;
	if (!valid)
		r = g = b = 0.55;
	/* the plate */
	double rad = 6, w = SM_BADGE_WIDTH - 1, h = SM_BADGE_HEIGHT - 1;
	cairo_new_sub_path(cr);
	cairo_arc(cr, w - rad, rad + 0.5, rad, -G_PI / 2, 0);
	cairo_arc(cr, w - rad, h - rad, rad, 0, G_PI / 2);
	cairo_arc(cr, rad + 0.5, h - rad, rad, G_PI / 2, G_PI);
	cairo_arc(cr, rad + 0.5, rad + 0.5, rad, G_PI, 3 * G_PI / 2);
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, r, g, b);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 1, 0.84, 0.35);
	cairo_set_line_width(cr, 1.5);
	cairo_stroke(cr);
	/* the disc and its star */
	cairo_arc(cr, 20, SM_BADGE_HEIGHT / 2.0, 14, 0, 2 * G_PI);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_fill(cr);
	for (int i = 0; i < 10; i++) {
		double a = -G_PI / 2 + i * G_PI / 5, arm = (i % 2) ? 4.6 : 11;
		double x = 20 + arm * cos(a), y = SM_BADGE_HEIGHT / 2.0 + arm * sin(a);
		if (i == 0)
			cairo_move_to(cr, x, y);
		else
			cairo_line_to(cr, x, y);
	}
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, r, g, b);
	cairo_fill(cr);
	/* the words */
	cairo_set_source_rgb(cr, 1, 1, 1);
	draw_text(cr, "Noto Sans CJK SC Bold 10.5px", red ? "党政机关" : "公益机构", 36, 5, 72);
	draw_text(cr, "Noto Sans CJK SC 9px", valid ? "网站标识" : "标识已失效", 36, 21, 72);
	if (!valid) { /* struck through */
		cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
		cairo_set_line_width(cr, 2.5);
		cairo_move_to(cr, 8, 8);
		cairo_line_to(cr, 32, SM_BADGE_HEIGHT - 8);
		cairo_move_to(cr, 32, 8);
		cairo_line_to(cr, 8, SM_BADGE_HEIGHT - 8);
		cairo_stroke(cr);
	}
	cairo_destroy(cr);
	cairo_status_t cs = cairo_surface_write_to_png_stream(s, png_collect, out);
	cairo_surface_destroy(s);
	if (cs != CAIRO_STATUS_SUCCESS)
		return sm_err_add(err, SM_E_NOMEM, NULL, _("cannot draw the mark's image: %s"),
		    cairo_status_to_string(cs));
	return SM_OK;
}
