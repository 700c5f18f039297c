module github.com/wrenmq/wrenmq/fuzz

go 1.26

require (
	github.com/stretchr/testify v1.12.1
	github.com/wrenmq/wrenmq/broker v0.0.0
	github.com/wrenmq/wrenmq/codec v0.0.0
	go.uber.org/goleak v1.3.0
	pgregory.net/rapid v1.3.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect

replace github.com/wrenmq/wrenmq/codec => ../codec

replace github.com/wrenmq/wrenmq/broker => ../broker
