/* Keys every screen shares that curses has no name for. */
#ifndef RW_WIDGETS_KEYS_H
#define RW_WIDGETS_KEYS_H

#define KEY_ESC 27
#define KEY_CTRL(c) ((c) & 0x1f)

#endif
