#ifndef BUS_H
#define BUS_H
#include <linux/types.h>

#ifdef CONFIG_REGION
bool bus_region_contains(int x);
#else
static inline bool bus_region_contains(int x)
{
	return false;
}
#endif

#endif
