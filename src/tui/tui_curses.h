/* tui_curses.h - the console's only door to curses (ncursesw).
 * Nothing outside src/tui includes curses. */
#ifndef TUI_CURSES_H
#define TUI_CURSES_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#endif
