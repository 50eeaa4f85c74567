module github.com/gosio/gosio/examples

go 1.22

require github.com/gosio/gosio v0.0.0

replace github.com/gosio/gosio => ../
