/*
 * consts.c prints the arch-independent constants the Go package mirrors
 * (capabilities, buffer types, flags, pixel formats, control IDs and menu
 * values) as "name value" lines. gen.sh runs it once, natively.
 */
#include <stdio.h>
#include <linux/videodev2.h>
#include <linux/v4l2-controls.h>
#include <linux/dma-buf.h>

#define P(name) printf("%s 0x%llx\n", #name, (unsigned long long)(name))

int main(void)
{
#include "consts.list"
	return 0;
}
