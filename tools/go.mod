module github.com/wrenmq/wrenmq/tools

go 1.26.0

require (
	github.com/eclipse/paho.golang v0.23.0
	github.com/gorilla/websocket v1.5.3
	github.com/prometheus/client_golang v1.25.0
	github.com/prometheus/client_model v0.6.3
	github.com/prometheus/common v0.73.1
	github.com/stretchr/testify v1.12.1
	github.com/wrenmq/wrenmq/authledger v0.0.0
	github.com/wrenmq/wrenmq/broker v0.0.0
	github.com/wrenmq/wrenmq/codec v0.0.0
	github.com/wrenmq/wrenmq/conformance v0.0.0
	go.uber.org/goleak v1.3.0
	go.yaml.in/yaml/v3 v3.0.6
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/pandatix/go-abnf v0.5.3 // indirect
	github.com/prometheus/procfs v0.22.0 // indirect
	golang.org/x/crypto v0.45.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace (
	github.com/wrenmq/wrenmq/authledger => ../authledger
	github.com/wrenmq/wrenmq/broker => ../broker
	github.com/wrenmq/wrenmq/codec => ../codec
	github.com/wrenmq/wrenmq/conformance => ../conformance
)
