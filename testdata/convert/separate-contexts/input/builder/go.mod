module example.com/separate-contexts

go 1.19
