module github.com/wrenmq/wrenmq/codec

go 1.26
