module github.com/wrenmq/wrenmq/tools

go 1.26

require (
	github.com/wrenmq/wrenmq/authledger v0.0.0
	github.com/wrenmq/wrenmq/broker v0.0.0
	github.com/wrenmq/wrenmq/codec v0.0.0
	go.yaml.in/yaml/v3 v3.0.6
)

require (
	github.com/gorilla/websocket v1.5.3 // indirect
	golang.org/x/crypto v0.45.0 // indirect
)

replace (
	github.com/wrenmq/wrenmq/authledger => ../authledger
	github.com/wrenmq/wrenmq/broker => ../broker
	github.com/wrenmq/wrenmq/codec => ../codec
)
