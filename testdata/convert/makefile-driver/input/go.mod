module example.com/makefile-driver

go 1.19
