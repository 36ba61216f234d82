module example.com/run-bind-mount

go 1.19
