/* Placeholder entry point while the ctl is written. */
int main(void)
{
	return 0;
}
