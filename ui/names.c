/* ui/names.h */
#include "names.h"

#include <stdlib.h>

void names_free(char ***names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((*names)[i]);
	free(*names);
	*names = NULL;
}
