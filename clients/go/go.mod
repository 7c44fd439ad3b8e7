module github.com/diskdb/diskdb/clients/go

go 1.19
