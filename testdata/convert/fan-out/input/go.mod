module example.com/fan-out

go 1.19
