/* Placeholder entry point while the worker is written. */
int main(void)
{
	return 0;
}
