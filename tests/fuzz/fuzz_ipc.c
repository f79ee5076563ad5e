/* libFuzzer target: vigild's request framing (netstrings), which any
 * local client can send. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *msg = malloc(size + 1), *fields[IPC_MAX_FIELDS], err[256];
	size_t lens[IPC_MAX_FIELDS];
	int n;

	memcpy(msg, data, size);
	msg[size] = 0;
	n = ipc_split(msg, size, fields, lens, IPC_MAX_FIELDS, err, sizeof(err));
	/* Every field lies inside the message. */
	for (int i = 0; i < n; i++)
		if (fields[i] < msg || fields[i] + lens[i] > msg + size)
			abort();
	free(msg);
	return 0;
}
