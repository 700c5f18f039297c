module github.com/wrenmq/wrenmq/authledger

go 1.26

require (
	github.com/stretchr/testify v1.12.1
	github.com/wrenmq/wrenmq/broker v0.0.0
	github.com/wrenmq/wrenmq/codec v0.0.0
	go.uber.org/goleak v1.3.0
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/crypto v0.45.0
)

require pgregory.net/rapid v1.3.0

replace (
	github.com/wrenmq/wrenmq/broker => ../broker
	github.com/wrenmq/wrenmq/codec => ../codec
)
