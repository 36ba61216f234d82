module example.com/builder-multistage-target

go 1.19
