module example.com/cmd-build-run

go 1.19
