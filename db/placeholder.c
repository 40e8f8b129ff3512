/* Placeholder. */
int km_db_placeholder(void);
int km_db_placeholder(void)
{
	return 0;
}
