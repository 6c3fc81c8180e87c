/* A dialog: a framed, blanked box centred on the screen. */
#ifndef RW_WIDGETS_DIALOG_H
#define RW_WIDGETS_DIALOG_H

/* A box of h rows and wd cells (clipped to the screen less a margin of
 * one) titled title; *y and *x get its top-left corner. */
void wg_dialog(int h, int wd, const char *title, int *y, int *x);
/* The unknown host key question (y accept, n reject), the same wherever a
 * connection meets one: host, key type and SHA256 fingerprint. */
void wg_hostkey_dialog(int wd, const char *host, const char *type, const char *fingerprint);
/* A node asks for an SSH passphrase or password (what: "passphrase for
 * key FILE"): the masked entry, the same wherever a connection asks. */
void wg_secret_dialog(int wd, const char *node, const char *what, const char *input);

#endif
