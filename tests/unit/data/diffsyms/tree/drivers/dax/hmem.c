#include <linux/module.h>
#include <bus/bus.h>

static int hmem_register(int x)
{
	if (bus_region_contains(x))
		return 0;
	if (IS_ENABLED(CONFIG_FEAT) && IS_REACHABLE(CONFIG_BUS))
		return 1;
#ifdef CONFIG_COUNT
	return IS_BUILTIN(CONFIG_HMEM) + IS_MODULE(CONFIG_DAXC);
#endif
	return 2;
}
