module example.com/function-loop

go 1.19
