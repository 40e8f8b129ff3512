/* Placeholder so the library has a source. */
int km_worker_placeholder(void);
int km_worker_placeholder(void)
{
	return 0;
}
