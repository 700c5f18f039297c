module github.com/wrenmq/wrenmq/broker

go 1.26

require (
	github.com/eclipse/paho.golang v0.23.0
	github.com/gorilla/websocket v1.5.3
	github.com/stretchr/testify v1.12.1
	github.com/wrenmq/wrenmq/codec v0.0.0
	go.uber.org/goleak v1.3.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect

replace github.com/wrenmq/wrenmq/codec => ../codec
