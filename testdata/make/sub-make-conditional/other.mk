lint:
	echo lint
