module example.com/scripts-subdir

go 1.19
