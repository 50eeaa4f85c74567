module github.com/gosio/gosio/clientdist

go 1.22
