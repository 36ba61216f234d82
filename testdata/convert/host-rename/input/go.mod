module example.com/host-rename

go 1.19
