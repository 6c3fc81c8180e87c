/* The wizard's pages and dialogs, one line each: the id the model names
 * (PAGE_x, DLG_x) and the `const struct view_ops` (ui/view.h) in its own
 * file under ui/pages/ or ui/dialogs/ that handles its keys and draws it.
 * A page's view gets the wizard (struct wizard, the shared model) as
 * v->priv; a dialog is drawn over the page below it. Their ops mean:
 * enter, each time the page is shown going forward (wizard_goto) or the
 * dialog opens (it still sees the dialog it replaces in w->dialog); key,
 * draw as on the stack; leave, once when the wizard is freed, for a view
 * that holds something in its own state (wizard_view_state).
 *
 * A new page: one file defining page_NAME_ops, one line here, and its
 * place in the flows of the operations that show it (ui/flow.c).
 * Curses-free header. */
#ifndef RW_PAGES_H
#define RW_PAGES_H

struct view_ops;

#define WIZARD_PAGES(X)                                                       \
	X(HOME, home)           /* pages/home.c: the operations, views, quit */ \
	X(NODES, nodes)         /* pages/nodes.c: install's form */              \
	X(REMOVE, remove)       /* pages/remove_checklist.c */                   \
	X(DOVECOT_PAIRS, dovecot_pairs) /* pages/dovecot_pairs.c: which pair */  \
	X(DOVECOT, dovecot)     /* pages/dovecot_settings.c */                   \
	X(CONNECT, connect)     /* pages/connect.c: SSH progress per node */     \
	X(PREFLIGHT, preflight) /* pages/preflight.c */                          \
	X(MENU, menus)          /* pages/menus.c: carbonio-bootstrap, mirrored */ \
	X(PLAN, plan)           /* pages/plan.c: the plan review */              \
	X(RUN, run)             /* pages/run.c: steps and node panes */          \
	X(FINISH, finish)       /* pages/finish.c: verification */

#define WIZARD_DIALOGS(X)                                                     \
	X(HOSTKEY, hostkey)     /* dialogs/hostkey.c: accept or reject */        \
	X(FAILURE, failure)     /* dialogs/failure.c: retry, skip, abort, log */ \
	X(ABORT, abort)         /* dialogs/notices.c: ^C during a run */         \
	X(QUIT, quit)           /* dialogs/notices.c: quit without applying? */  \
	X(HELP, help)           /* dialogs/notices.c: the menus' help */         \
	X(LOG, log)             /* dialogs/log.c: a node's whole output */       \
	X(PASSWORD, password)   /* dialogs/password.c: masked entry */           \
	X(MESSAGE, message)     /* dialogs/notices.c: a notice */                \
	X(ANSWER, answer)       /* dialogs/answer.c: who gets the ldap_url */    \
	X(SECRET, secret)       /* dialogs/secret.c: SSH passphrase/password */  \
	X(SERVERS, servers)     /* dialogs/servers.c: unnamed servers */

#define WIZARD_PAGE_ENUM(ID, name) PAGE_##ID,
#define WIZARD_DIALOG_ENUM(ID, name) DLG_##ID,
enum wizard_page { WIZARD_PAGES(WIZARD_PAGE_ENUM) PAGE_COUNT };
enum wizard_dialog { DLG_NONE, WIZARD_DIALOGS(WIZARD_DIALOG_ENUM) DLG_COUNT };

#define WIZARD_PAGE_DECL(ID, name) extern const struct view_ops page_##name##_ops;
#define WIZARD_DIALOG_DECL(ID, name) extern const struct view_ops dialog_##name##_ops;
WIZARD_PAGES(WIZARD_PAGE_DECL)
WIZARD_DIALOGS(WIZARD_DIALOG_DECL)

#endif
