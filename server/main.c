/* Placeholder entry point while the server is written. */
int main(void)
{
	return 0;
}
