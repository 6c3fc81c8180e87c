/* A dialog: a framed, blanked box centred on the screen. */
#ifndef RW_WIDGETS_DIALOG_H
#define RW_WIDGETS_DIALOG_H

/* A box of h rows and wd cells (clipped to the screen less a margin of
 * one) titled title; *y and *x get its top-left corner. */
void wg_dialog(int h, int wd, const char *title, int *y, int *x);

#endif
