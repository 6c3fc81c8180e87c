/* Fuzz the procedure loader (procedure_load: step-section scan, libinih in
 * multi-line mode, key checks, template checks of every run/stdin/output
 * value): no crash, no leak, and an error always says why. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "install.h"
#include "operation.h"
#include "procedure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/fuzz_procedure.%d.ini", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	char err[1024] = "";
	/* the richest vocabulary: more of the input passes the name checks */
	struct proc_vocabulary vocab = operation_vocabulary(&install_kind);
	struct procedure *p = procedure_load(path, &vocab, err, sizeof err);
	if (!p && !err[0])
		abort();
	procedure_free(p);
	unlink(path);
	return 0;
}
