/* Placeholder so the library has a source. */
int km_server_placeholder(void);
int km_server_placeholder(void)
{
	return 0;
}
