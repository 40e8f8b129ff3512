int leaf_probe(void)
{
	return 0;
}
